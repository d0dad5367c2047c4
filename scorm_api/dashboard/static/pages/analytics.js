/* The Analytics page: four charts from the LRS's analytics, each with its figures as a table.
 * Chart.js is the vendored classic (UMD) script that page.html loads on this page only, before
 * this module runs: it is read from window.Chart, not imported. */
import { api } from "../api.js";
import { emptyState, fail, h, main, table } from "../dom.js";
import { percent as share, plural, when } from "../format.js";
import { pageData } from "../page-data.js";

const DAYS = 14, RECENT = 100, LEARNERS_SHOWN = 15;
const DAY_MS = 86400000;
const BLUE = "#3b6fd8", GREEN = "#2e9e61", RED = "#d4574a", VIOLET = "#6b5bd2";

export default function analyticsPage() {
  main.replaceChildren(h("h1", { text: "Analytics" }), h("p", { class: "loading", text: "Loading…" }));
  const days = [];
  for (let i = DAYS - 1; i >= 0; i--) days.push(dayStart(i));
  // One count per day: the statements API's total is the figure, its one statement is not used.
  const perDay = days.map((d) => {
    const until = new Date(d.getTime() + DAY_MS);
    return api("GET", "/api/v1/xapi/statements?limit=1&since=" + encodeURIComponent(d.toISOString()) +
               "&until=" + encodeURIComponent(until.toISOString())).then((r) => r.pagination.total);
  });
  Promise.all([
    api("GET", "/api/v1/xapi/analytics/activities?activity_type=" + encodeURIComponent(pageData.course_activity_type) +
               "&sort=unique_learners&limit=10"),
    api("GET", "/api/v1/packages?limit=100"),
    api("GET", "/api/v1/xapi/analytics/actors?sort=last_activity&limit=" + RECENT),
    Promise.all(perDay),
  ]).then(([activities, packages, actors, counts]) => {
    const courses = activities.activities, learners = actors.actors;
    if (!courses.length && !learners.length) {
      main.replaceChildren(h("h1", { text: "Analytics" }), emptyState("No learner activity yet",
        "Charts appear here once learners take courses. Upload a course on the Packages page, then launch it for a learner from Sessions or Learners.",
        h("a", { href: "/dashboard/packages", class: "button-like primary" }, "Go to Packages")));
      return;
    }
    const titles = Object.fromEntries(packages.packages.map((p) => [p.id, p.title]));
    main.replaceChildren(h("h1", { text: "Analytics" }),
      h("div", { class: "grid" }, ratesCard(courses, titles), scoresCard(learners), activityCard(days, counts),
        learnersCard(learners)));
  }).catch(fail);
}

function ratesCard(courses, titles) {
  const names = courses.map((c) => titles[c.package_id] || c.activity_id);
  const rates = courses.map((c) => [percent(c.completed_count, c.unique_learners), percent(c.passed_count, c.unique_learners),
                                    percent(c.failed_count, c.unique_learners)]);
  return chartCard("Completion and pass rates", "Share of each course's learners who completed, passed and failed it" +
    (courses.length > 1 ? " (the " + plural(courses.length, "course") + " with the most learners)." : "."), {
    type: "bar",
    data: { labels: names, datasets: [
      { label: "Completed %", data: rates.map((r) => r[0]), backgroundColor: BLUE },
      { label: "Passed %", data: rates.map((r) => r[1]), backgroundColor: GREEN },
      { label: "Failed %", data: rates.map((r) => r[2]), backgroundColor: RED }] },
    options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } } },
  }, ["Course", "Learners", "Completed", "Passed", "Failed", "Average score"],
  courses.map((c, i) => [names[i], c.unique_learners, rates[i][0] + "%", rates[i][1] + "%", rates[i][2] + "%", average(c)]));
}

// Tenths of the score, the last one taking 100% in.
function scoresCard(learners) {
  const bins = Array(10).fill(0);
  let scored = 0;
  for (const a of learners) {
    if (a.avg_score_scaled === null || a.avg_score_scaled === undefined) continue;
    scored++;
    bins[Math.min(9, Math.max(0, Math.floor(a.avg_score_scaled * 10)))]++;
  }
  const labels = bins.map((_, i) => (i * 10) + "–" + (i * 10 + (i === 9 ? 10 : 9)) + "%");
  return chartCard("Score distribution", "Average score of " + plural(scored, "learner") + " with a score, among " + plural(learners.length, "recently active learner") + ".", {
    type: "bar", data: { labels, datasets: [{ label: "Learners", data: bins, backgroundColor: VIOLET }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ["Score", "Learners"], bins.map((n, i) => [labels[i], n]));
}

function activityCard(days, counts) {
  const labels = days.map((d) => d.toLocaleDateString(undefined, { month: "short", day: "numeric" }));
  return chartCard("Activity over time", "What learners did each day over the last " + plural(DAYS, "day") + " (UTC): each launch, answer, completion and result counts once.", {
    type: "line", data: { labels, datasets: [{ label: "Things done", data: counts, borderColor: BLUE, backgroundColor: "rgba(59,111,216,.15)", fill: true, tension: 0.25 }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ["Day", "Things done"], counts.map((n, i) => [labels[i], n]));
}

function learnersCard(learners) {
  const shown = learners.slice(0, LEARNERS_SHOWN);
  const names = shown.map((a) => a.actor_name || a.actor_mbox || (a.actor.account && a.actor.account.name) || "learner");
  return chartCard("Learner progress", "How many courses and lessons each learner completed, passed and failed (" + plural(shown.length, "learner") + ", the most recently active).", {
    type: "bar",
    data: { labels: names, datasets: [
      { label: "Completed", data: shown.map((a) => a.completed_count), backgroundColor: BLUE },
      { label: "Passed", data: shown.map((a) => a.passed_count), backgroundColor: GREEN },
      { label: "Failed", data: shown.map((a) => a.failed_count), backgroundColor: RED }] },
    options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  }, ["Learner", "Courses, lessons and questions", "Completed", "Passed", "Failed", "Average score", "Last active"],
  shown.map((a, i) => [names[i], a.unique_activities, a.completed_count, a.passed_count, a.failed_count, average(a),
                       when(a.last_activity)]));
}

// A chart with its caption, and the same figures as a table for keyboards and screen readers.
function chartCard(title, caption, config, headers, rows) {
  const canvas = h("canvas", { role: "img", "aria-label": title + ": " + caption });
  const card = h("section", { class: "card chart" }, h("h2", { text: title }), h("p", { class: "hint", text: caption }),
    h("div", { class: "chart-box" }, canvas),
    h("details", {}, h("summary", { text: "Show as a table" }),
      table(headers, rows.map((r) => h("tr", {}, r.map((v) => h("td", { text: v })))), "compact")));
  // Drawn once the card is in the page: Chart.js sizes the chart to its box.
  setTimeout(() => {
    config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...config.options };
    new window.Chart(canvas, config);
  }, 0);
  return card;
}

// An average over the known scores only, saying how many there were: an unscored result is
// not a 0.
function average(figures) {
  const n = figures.scored_count || 0;
  return n ? share(figures.avg_score_scaled) + " (of " + plural(n, "score") + ")" : "no score yet";
}

function percent(n, of) { return of ? Math.min(100, Math.round(100 * n / of)) : 0; }

// Midnight UTC, `offset` days ago.
function dayStart(offset) {
  const d = new Date();
  d.setUTCHours(0, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() - offset);
  return d;
}
