/** The "Method and sources" section of the HTML report (see `method-text.ts`), with the providers' table. */
import { energy, escapeHtml, pct, table } from './html-parts';
import { methodEntries } from './method-text';
import type { Report } from './model';
import type { ProviderShare } from './method';

export function methodHtml(report: Report): string {
  const providers = table('small', [
    { head: 'provider', cell: (p: ProviderShare) => escapeHtml(p.provider) },
    { head: 'type', cell: (p) => escapeHtml(p.type) },
    { head: 'signal', cell: (p) => escapeHtml(p.signal) },
    { head: 'emission factor', cell: (p) => escapeHtml(p.emissionFactor) },
    { head: 'energy priced', n: true, cell: (p) => energy('energyKWh', p.energyKWh) },
    { head: 'share', n: true, cell: (p) => pct('energySharePct', p.energySharePct) },
  ], report.method.providers);
  return `<section id="method">
<h2>Method and sources</h2>
<dl class="method">
${methodEntries(report).map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v).replace(/`([^`]+)`/g, '<code>$1</code>')}</dd>`).join('\n')}
</dl>
${providers}
<h3>Notes</h3>
<ul>${report.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
</section>`;
}
