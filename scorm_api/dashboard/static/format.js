/* Values as the pages show them. */

export function bytes(n) {
  if (n === null || n === undefined) return "";
  const units = ["B", "KB", "MB", "GB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}

// In the browser's own language and time zone: the reader's, not the server's.
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) +
    " " + d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function duration(seconds) {
  seconds = Math.round(seconds || 0);
  const h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), sec = seconds % 60;
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + sec + " s";
}

// "1 session", "0 sessions", "3 launches": a number with its noun, which every page says
// through this one place. `noun` is the singular (of a noun or a phrase ending in one); its
// plural follows English's regular rules, which every noun the pages count keeps to.
export function plural(n, noun) {
  if (n === 1) return n + " " + noun;
  if (/(s|x|z|ch|sh)$/.test(noun)) return n + " " + noun + "es";
  if (/[^aeiou]y$/.test(noun)) return n + " " + noun.slice(0, -1) + "ies";
  return n + " " + noun + "s";
}

// The singular of a plural noun the server sends (a sync plan's unit: "sessions").
export function singular(nouns) {
  if (/[^aeiou]ies$/.test(nouns)) return nouns.slice(0, -3) + "y";
  if (/(ss|x|z|ch|sh)es$/.test(nouns)) return nouns.slice(0, -2);  // not "courses": a course
  return nouns.replace(/s$/, "");
}

// The raw score where the course reported one (it is what the course showed the learner),
// else the scaled one as a percentage.
export function scoreText(score) {
  if (!score) return "—";
  if (score.raw !== null && score.raw !== undefined) return score.raw + (score.max ? " / " + score.max : "");
  return percent(score.scaled);
}

// A share from 0 to 1 (a scaled score, a pass rate) as a percentage; "—" where there is none.
export function percent(share) {
  return share !== null && share !== undefined ? Math.round(share * 100) + "%" : "—";
}

// The standards' names stay here, not in the page data: no Python module names them, and the
// server never shows them.
const STANDARDS = { scorm_1_2: "SCORM 1.2", scorm_2004_2nd_edition: "SCORM 2004 2nd ed.",
                    scorm_2004_3rd_edition: "SCORM 2004 3rd ed.", scorm_2004_4th_edition: "SCORM 2004 4th ed.",
                    cmi5: "cmi5", xapi: "xAPI (Tin Can)",
                    // a dispatch's ZIP (pageData.dispatch_standards)
                    scorm12: "SCORM 1.2", scorm2004: "SCORM 2004" };

export function standardName(standard) {
  return STANDARDS[standard] || "—";
}

// A time to the second, in the reader's time zone (a call log's rows, a second apart).
export function clockTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// The day of a time, in the reader's language and time zone.
export function day(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}
