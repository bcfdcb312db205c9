/* A box that scrolls sideways (wide display maths, code, outputs, tables on a narrow
   screen) says so: it gets the class "scrolls-x", and "more-left"/"more-right" while
   content is hidden on that side. custom.css fades the edge where content is hidden and
   keeps the scrollbar visible. Loaded on every page by book/_ext/course_site.py. */
(() => {
  "use strict";
  const BOXES = [
    ".bd-article div.math",
    ".bd-article mjx-container[display='true']",
    ".bd-article pre",
    ".bd-article .cell_output",
    ".bd-article .pst-scrollable-table-container",
  ].join(",");

  function mark(box) {
    const hidden = box.scrollWidth - box.clientWidth;
    const scrolls = hidden > 1 && getComputedStyle(box).overflowX !== "visible";
    box.classList.toggle("scrolls-x", scrolls);
    box.classList.toggle("more-left", scrolls && box.scrollLeft > 1);
    box.classList.toggle("more-right", scrolls && box.scrollLeft < hidden - 1);
  }

  const resized = new ResizeObserver(entries => entries.forEach(e => mark(e.target)));
  const watched = new WeakSet();

  function markAll() {
    document.querySelectorAll(BOXES).forEach(box => {
      if (!watched.has(box)) {
        watched.add(box);
        box.addEventListener("scroll", () => mark(box), { passive: true });
        resized.observe(box);
      }
      mark(box);
    });
    document.documentElement.dataset.scrollCues = "ready";
  }

  function afterTypesetting() {
    // MathJax typesets after load and puts new boxes into the maths: mark them then.
    const mj = window.MathJax;
    if (mj && mj.startup && mj.startup.promise) mj.startup.promise.then(markAll);
  }
  function start() {
    markAll();
    afterTypesetting();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", start);
})();
