/* A page's layout, measured in the browser for test_admin_layout_browser.py.
 *
 * `list` is the element that must not scroll sideways; `folding` names the values that
 * are either in their own column or folded into the job's cell, and must be on screen
 * exactly once in every row. Only elements that are shown count. */
({ folding, list }) => {
  const rect = (element) => element.getBoundingClientRect();
  const shown = (element) => element.checkVisibility() && rect(element).width > 0;
  const all = (selector) => [...document.querySelectorAll(selector)].filter(shown);
  // One pixel of slack: borders of neighbours may touch.
  const overlap = (a, b) => {
    const [p, q] = [rect(a), rect(b)];
    return (
      p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1
    );
  };
  const describe = (element) =>
    `${element.id || element.className || element.tagName} "${element.textContent.trim()}"`;
  const overlapping = (elements) => {
    const found = [];
    elements.forEach((a, index) => {
      for (const b of elements.slice(index + 1)) {
        if (overlap(a, b)) found.push(`${describe(a)} over ${describe(b)}`);
      }
    });
    return found;
  };

  const heading = [...all("#content h1"), ...all(".object-tools > li")];
  const search = [
    ...all("#searchbar"),
    ...all("#changelist-search input[type=submit]"),
    ...all("#changelist-search .quiet"),
  ];
  const blocks = [
    ...all("#toolbar"),
    ...all("#changelist .toplinks"),
    ...all("#changelist .actions"),
    ...all("#result_list"),
  ];
  const dates = all("#changelist .toplinks a");
  const rows = [...document.querySelectorAll("#result_list tbody tr")];
  const overflowing = [];
  const notOnce = [];
  for (const row of rows) {
    for (const cell of row.children) {
      if (shown(cell) && cell.scrollWidth > cell.clientWidth + 1) overflowing.push(describe(cell));
    }
    for (const kind of folding) {
      const selector = `td.field-${kind}_column, .creatify-folded--${kind}`;
      const places = [...row.querySelectorAll(selector)].filter(shown);
      if (places.length !== 1) notOnce.push(`${kind} shown ${places.length} times`);
    }
  }
  const page = document.documentElement;
  const container = document.querySelector(list);
  const sidebar = document.querySelector("#nav-sidebar");
  return {
    page: [page.scrollWidth, page.clientWidth],
    results: [container.scrollWidth, container.clientWidth],
    overlaps: [
      ...overlapping(heading),
      ...overlapping(search),
      ...overlapping(blocks),
      ...overlapping(dates),
    ],
    overflowing,
    notOnce,
    dateLines: new Set(dates.map((link) => Math.round(rect(link).top))).size,
    rowHeights: rows.map((row) => rect(row).height),
    rows: rows.length,
    sidebar: sidebar ? shown(sidebar) : false,
  };
}
