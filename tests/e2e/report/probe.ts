/**
 * What a browser sees of the HTML report at a given width: a copy of the report with a
 * probe script (the report itself has none) that measures the laid-out page and writes the
 * result into the DOM, read back with `chromium --dump-dom`.
 */
export interface Probe {
  viewportWidth: number;
  pageScrollWidth: number;
  /** Tables wider than the page, or overflowing their box. */
  wideTables: Array<{ cls: string; right: number }>;
  /** Numbers laid out on more than one line. */
  brokenNumbers: string[];
  numbers: number;
  charts: Array<{ id: string; units: string; legend: boolean; axisTitles: string[]; width: number }>;
  sections: string[];
}

const SCRIPT = `<script>
addEventListener('load', () => {
  const vw = document.documentElement.clientWidth;
  const wideTables = [...document.querySelectorAll('table')].map((t) => ({ cls: t.className, right: t.getBoundingClientRect().right, over: t.scrollWidth > t.clientWidth + 1 }))
    .filter((t) => t.right > vw + 0.5 || t.over).map(({ cls, right }) => ({ cls, right }));
  const nums = [...document.querySelectorAll('.num')];
  const brokenNumbers = nums.filter((s) => s.getClientRects().length > 1).map((s) => s.textContent);
  const charts = [...document.querySelectorAll('figure[data-chart]')].map((f) => ({
    id: f.dataset.chart, units: f.dataset.units || '', legend: !!f.querySelector('svg .role-legend'),
    axisTitles: [...f.querySelectorAll('svg .role-axis-title text')].map((t) => t.textContent), width: f.querySelector('svg').getBoundingClientRect().right,
  }));
  const probe = { viewportWidth: vw, pageScrollWidth: document.documentElement.scrollWidth, wideTables, brokenNumbers, numbers: nums.length, charts,
    sections: [...document.querySelectorAll('section[id]')].map((s) => s.id) };
  const pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(probe);
  document.body.appendChild(pre);
});
</script>`;

export function withProbe(html: string): string {
  return html.replace('</body>', `${SCRIPT}</body>`);
}

export function readProbe(dom: string): Probe {
  const m = /<pre id="probe">([\s\S]*?)<\/pre>/.exec(dom);
  if (!m) throw new Error('probe did not run');
  return JSON.parse(m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Probe;
}
