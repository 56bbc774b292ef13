// Click a header of a sortable table to sort its rows by that column; click again to reverse.
// Each cell sorts by its data-value (a number where the header says data-type="num").
document.querySelectorAll("table.sortable").forEach((table) => {
  const body = table.tBodies[0];
  table.querySelectorAll("th.sortable").forEach((header) => {
    header.addEventListener("click", (event) => {
      if (event.target.closest("a")) return; // a header's lesson link opens the lesson
      const column = Number(header.dataset.column);
      const numeric = header.dataset.type === "num";
      const ascending = header.getAttribute("aria-sort") !== "ascending";
      const key = (row) => {
        const cell = row.cells[column];
        const value = cell ? (cell.dataset.value ?? cell.textContent.trim()) : "";
        return numeric ? Number(value) : value.toLowerCase();
      };
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const order = numeric ? x - y : x.localeCompare(y);
        return ascending ? order : -order;
      });
      table.querySelectorAll("th.sortable").forEach((other) => other.removeAttribute("aria-sort"));
      header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      rows.forEach((row) => body.appendChild(row));
    });
  });
});
