/* What the server knows and the pages show (dashboard/page_data.py): read once, from the JSON
 * that page.html renders, so no script keeps a second copy of a server vocabulary. */

export const pageData = JSON.parse(document.getElementById("page-data").textContent);
