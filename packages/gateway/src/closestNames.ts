/** How many suggestions to offer at most. */
export const DEFAULT_MAX_SUGGESTIONS = 3;

/**
 * The candidates closest to `name`, best first: those within an edit distance of about a third of the
 * name's length (case-insensitive; at least 2), and those that contain `name` or are contained in it.
 * Ties are broken alphabetically. Returns `[]` when nothing is close.
 */
export function closestNames(
  name: string,
  candidates: Iterable<string>,
  maxSuggestions = DEFAULT_MAX_SUGGESTIONS,
): string[] {
  const wanted = name.toLowerCase();
  const threshold = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const lower = candidate.toLowerCase();
    const distance = editDistance(wanted, lower);
    const related = wanted.length >= 3 && (lower.includes(wanted) || wanted.includes(lower));
    if (distance <= threshold || related) scored.push({ candidate, score: distance });
  }
  scored.sort(
    (a, b) => a.score - b.score || (a.candidate < b.candidate ? -1 : a.candidate > b.candidate ? 1 : 0),
  );
  return scored.slice(0, maxSuggestions).map((entry) => entry.candidate);
}

/**
 * Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions
 * each cost 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let previousPrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, previousPrevious[j - 2]! + 1);
      }
      current.push(best);
    }
    previousPrevious = previous;
    previous = current;
  }
  return previous[b.length]!;
}
