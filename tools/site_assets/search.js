/* The course site's search box: plain JavaScript, no library, no network.
 *
 * static/search-index.js (written by `python -m tools.site build`) sets
 * window.COURSE_SEARCH_INDEX = {pages: [{url, title}], sections: [[page, anchor, heading, text]]},
 * from each page's title, headings and markdown text (not its code or outputs). It is a script,
 * not JSON, because fetch() is refused on pages opened from the disk (file://).
 *
 * A section matches when every word of the query is in its page title, heading or text
 * (case and accents ignored); matches in headings and titles rank first.
 */
(function () {
  "use strict";

  var MAX_RESULTS = 12;
  var SNIPPET_CHARS = 160;

  var input = document.getElementById("site-search-input");
  var panel = document.getElementById("site-search-results");
  if (!input || !panel) {
    return;
  }

  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  var prepared = null;

  function prepare() {
    var index = window.COURSE_SEARCH_INDEX;
    if (!index || !index.pages || !index.sections) {
      return null;
    }
    return index.sections.map(function (section, order) {
      var page = index.pages[section[0]];
      return {
        order: order,
        page: page,
        anchor: section[1],
        heading: section[2],
        text: section[3],
        foldedTitle: fold(page.title),
        foldedHeading: fold(section[2]),
        foldedText: fold(section[3]),
      };
    });
  }

  function score(entry, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var term = terms[i];
      var inHeading = entry.foldedHeading.indexOf(term) !== -1;
      var inTitle = entry.foldedTitle.indexOf(term) !== -1;
      var inText = entry.foldedText.indexOf(term) !== -1;
      if (!inHeading && !inTitle && !inText) {
        return 0;
      }
      total += (inHeading ? 10 : 0) + (inTitle ? 5 : 0) + (inText ? 1 : 0);
    }
    return total;
  }

  // The part of the text around the first term found, with "…" where it is cut.
  function snippet(entry, terms) {
    var at = -1;
    for (var i = 0; i < terms.length && at === -1; i++) {
      at = entry.foldedText.indexOf(terms[i]);
    }
    var text = entry.text;
    var from = Math.max(0, at - SNIPPET_CHARS / 3);
    if (at === -1 || from < 20) {
      from = 0;
    }
    var cut = text.slice(from, from + SNIPPET_CHARS);
    return (from > 0 ? "…" : "") + cut + (from + SNIPPET_CHARS < text.length ? "…" : "");
  }

  // The folded text, and for each of its characters the position it came from in the text
  // (folding may change the length: "…" becomes "...", "é" loses its accent).
  function foldWithPositions(text) {
    var folded = "";
    var from = [];
    for (var i = 0; i < text.length; i++) {
      var part = fold(text.charAt(i));
      for (var j = 0; j < part.length; j++) {
        folded += part.charAt(j);
        from.push(i);
      }
    }
    from.push(text.length);
    return { folded: folded, from: from };
  }

  // Append text to an element, wrapping each occurrence of a term in <mark>.
  function appendMarked(element, text, terms) {
    var source = foldWithPositions(text);
    var position = 0; // in the folded text
    var written = 0; // in the text
    while (position < source.folded.length) {
      var next = -1;
      var length = 0;
      for (var i = 0; i < terms.length; i++) {
        var found = source.folded.indexOf(terms[i], position);
        if (found !== -1 && (next === -1 || found < next)) {
          next = found;
          length = terms[i].length;
        }
      }
      if (next === -1) {
        break;
      }
      var start = Math.max(source.from[next], written);
      var end = source.from[next + length - 1] + 1;
      if (start > written) {
        element.appendChild(document.createTextNode(text.slice(written, start)));
      }
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      element.appendChild(mark);
      position = next + length;
      written = end;
    }
    if (written < text.length) {
      element.appendChild(document.createTextNode(text.slice(written)));
    }
  }

  function message(text) {
    var line = document.createElement("p");
    line.className = "site-search-message";
    line.textContent = text;
    panel.appendChild(line);
  }

  function show(query) {
    panel.textContent = "";
    var terms = fold(query).split(/\s+/).filter(Boolean);
    if (terms.length === 0) {
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    if (prepared === null) {
      prepared = prepare();
    }
    if (prepared === null) {
      message("The search index did not load (static/search-index.js).");
      return;
    }
    var hits = [];
    prepared.forEach(function (entry) {
      var points = score(entry, terms);
      if (points > 0) {
        hits.push({ entry: entry, points: points });
      }
    });
    hits.sort(function (a, b) {
      return b.points - a.points || a.entry.order - b.entry.order;
    });
    if (hits.length === 0) {
      message("No results for \u201c" + query.trim() + "\u201d.");
      return;
    }
    var list = document.createElement("ol");
    list.className = "site-search-list";
    hits.slice(0, MAX_RESULTS).forEach(function (hit) {
      var entry = hit.entry;
      var link = document.createElement("a");
      link.className = "site-search-result";
      link.setAttribute("href", entry.page.url + (entry.anchor ? "#" + entry.anchor : ""));
      var where = document.createElement("span");
      where.className = "site-search-where";
      appendMarked(where, entry.page.title, terms);
      if (entry.heading && entry.heading !== entry.page.title) {
        where.appendChild(document.createTextNode(" \u203a "));
        appendMarked(where, entry.heading, terms);
      }
      link.appendChild(where);
      if (entry.text) {
        var text = document.createElement("span");
        text.className = "site-search-snippet";
        appendMarked(text, snippet(entry, terms), terms);
        link.appendChild(text);
      }
      var item = document.createElement("li");
      item.appendChild(link);
      list.appendChild(item);
    });
    panel.appendChild(list);
    if (hits.length > MAX_RESULTS) {
      message(hits.length + " results; the first " + MAX_RESULTS + " are shown. Add a word.");
    }
  }

  function results() {
    return Array.prototype.slice.call(panel.querySelectorAll("a.site-search-result"));
  }

  input.addEventListener("input", function () {
    show(input.value);
  });
  input.addEventListener("focus", function () {
    if (input.value.trim()) {
      show(input.value);
    }
  });
  input.addEventListener("keydown", function (event) {
    var links = results();
    if (event.key === "Enter" && links.length) {
      event.preventDefault();
      links[0].click();
    } else if (event.key === "ArrowDown" && links.length) {
      event.preventDefault();
      links[0].focus();
    } else if (event.key === "Escape") {
      input.value = "";
      show("");
    }
  });
  panel.addEventListener("keydown", function (event) {
    var links = results();
    var at = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < links.length - 1) {
      event.preventDefault();
      links[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? links[at - 1] : input).focus();
    } else if (event.key === "Escape") {
      panel.hidden = true;
      input.focus();
    }
  });
  // A click elsewhere closes the results; a result on this page closes them too.
  document.addEventListener("click", function (event) {
    var box = input.parentNode;
    if (!box.contains(event.target) || event.target.closest("a.site-search-result")) {
      panel.hidden = true;
    }
  });
})();
