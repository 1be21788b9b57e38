import { appendRecord } from '../core/bench/report';
import { comparePlan, MIN_WINDOWS } from '../core/bench/energyDifference';
import { compareResults, comparisonOf, DEFAULT_TOLERANCE } from '../core/bench/verdict';
import { formatRecord, measure, measureFlags, recordOf, recordPush } from './bench';
import type { CompareAnswer } from '../protocol';
import {
  BENCH_OPTIONS_HELP,
  benchSettings,
  cancelOnInterrupt,
  checkOut,
  openInstruments,
  parseBenchRequest,
} from './benchOptions';

export const COMPARE_HELP = `Usage: carbonlens compare --model A --model B --task TASK [--tolerance T] [options]

Benchmarks A, then B, on the same items, then says whether B's quality is within a tolerance of
A's (a paired 95% interval of B minus A on the primary metric: accuracy, exact match or ROUGE-L
F1), and how much energy and CO2 B saves per item and per million items. Each model is warmed up
on the whole set (not metered), then measured in at least ${MIN_WINDOWS} windows (--repeats, raised to ${MIN_WINDOWS});
the energy difference gets a 95% Welch interval, and when it holds zero or is under the meters'
repeatability (2% measured, 5% sampled, 10% estimated) the verdict is "no measurable
difference". Both runs are saved, each with the verdict.

  --model A --model B  the reference, then the candidate (ids or folders)
  --tolerance T        largest quality loss that still counts as "as good", in the metric's
                       units (default ${DEFAULT_TOLERANCE}: 2 points of accuracy, 0.02 ROUGE-L)
${BENCH_OPTIONS_HELP}
`;

const stderr = (t: string) => void process.stderr.write(`${t}\n`);

export async function runCompare(args: string[], out: (text: string) => void): Promise<number> {
  const request = parseBenchRequest('compare', args);
  const asked = benchSettings(request);
  const settings = { ...asked, ...comparePlan(asked.repeats) };
  const tolerance = request.tolerance ?? DEFAULT_TOLERANCE;
  const [modelA, modelB] = request.models as [string, string];
  checkOut(settings.out);
  const cancel = cancelOnInterrupt(stderr);
  const instruments = await openInstruments(request.ramModel, settings.gpu);
  const push = await recordPush(request, settings, instruments, 'compare');
  try {
    const flags = measureFlags(request);
    const a = await measure(modelA, settings, instruments, flags, cancel.signal);
    const b = await measure(modelB, settings, instruments, flags, cancel.signal, a.set);
    const verdict = compareResults(a.result, b.result, tolerance, settings.intensity, settings.pue);
    const [ra, rb] = [recordOf(a, settings, instruments), recordOf(b, settings, instruments)];
    const records = await push.send([
      { ...ra, comparison: comparisonOf(verdict, 'A', { runId: rb.runId, model: rb.model.id }) },
      { ...rb, comparison: comparisonOf(verdict, 'B', { runId: ra.runId, model: ra.model.id }) },
    ]);
    for (const r of records) appendRecord(settings.out, r);
    if (request.json) {
      const answer: CompareAnswer = { schema: 'carbonlens.compare/1', a: records[0]!, b: records[1]!, verdict };
      out(JSON.stringify(answer, null, 2));
    } else {
      records.forEach((r, i) => {
        out(`--- ${i === 0 ? 'A' : 'B'} ---`);
        for (const line of formatRecord(r)) out(line);
      });
      out('--- Verdict ---');
      out(verdict.sentence);
      out(`Energy compared ${verdict.energyBasis}.`);
      if (verdict.outcome === 'inconclusive' && a.set.items.length >= a.set.population)
        out(
          `All ${a.set.population} items of ${a.set.name} were used: a larger set (--dataset) or a wider --tolerance can decide.`,
        );
      const kg = verdict.kgCo2SavedPerMillionItems;
      const per = `Per million ${settings.task === 'text-generation' ? 'prompts' : settings.task === 'summarization' ? 'summaries' : 'items'}`;
      out(
        verdict.energy.measurable
          ? `${per}: ${verdict.kwhSavedPerMillionItems.toPrecision(3)} kWh${kg !== undefined ? ` and ${kg.toPrecision(3)} kg CO2e` : ''} saved by B${kg === undefined ? ' (give a place for CO2)' : ''}.`
          : `${per}: no saving to state (the difference is within the noise; more --repeats or --samples narrow it).`,
      );
      out(`Saved both runs to ${settings.out} and carbonlens-runs.jsonl.`);
    }
    return verdict.outcome === 'worse' ? 3 : 0;
  } finally {
    cancel.dispose();
    await push.close();
    instruments.meter.close();
  }
}
