/** Reading a Prometheus text scrape in tests. */

/** A scrape parsed into `name{labels}` → value. */
export type Scrape = Map<string, number>;

export function parseMetrics(text: string): Scrape {
  const figures = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    figures.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return figures;
}

/** The value of one series; labels in any order, absent series read as 0. */
export function figure(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  let total = 0;
  for (const [series, value] of scrape) {
    const brace = series.indexOf('{');
    const seriesName = brace < 0 ? series : series.slice(0, brace);
    if (seriesName !== name) continue;
    const seriesLabels = brace < 0 ? [] : series.slice(brace + 1, -1).split(/,(?=[a-z_]+=")/);
    if (wanted.every((pair) => seriesLabels.includes(pair)) && seriesLabels.length === wanted.length) total += value;
  }
  return total;
}
