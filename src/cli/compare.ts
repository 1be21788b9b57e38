import { appendRecord } from '../core/bench/report';
import { compareResults, DEFAULT_TOLERANCE } from '../core/bench/verdict';
import { formatRecord, measure, measureFlags, recordOf } from './bench';
import {
  BENCH_OPTIONS_HELP,
  benchSettings,
  cancelOnInterrupt,
  checkOut,
  openInstruments,
  ramModelOption,
  parseBenchArgs,
} from './benchOptions';
import { numberOption, UsageError } from './usage';

export const COMPARE_HELP = `Usage: carbonlens compare --model A --model B --task TASK [--tolerance T] [options]

Benchmarks A, then B, on the same items, then says whether B's quality is within a tolerance of
A's (a paired 95% interval of B minus A on the primary metric: accuracy, exact match or ROUGE-L
F1), and how much energy and CO2 B saves per item and per million items. Both runs are saved.

  --model A --model B  the reference, then the candidate (ids or folders)
  --tolerance T        largest quality loss that still counts as "as good", in the metric's
                       units (default ${DEFAULT_TOLERANCE}: 2 points of accuracy, 0.02 ROUGE-L)
${BENCH_OPTIONS_HELP}
`;

const stderr = (t: string) => void process.stderr.write(`${t}\n`);

export async function runCompare(args: string[], out: (text: string) => void): Promise<number> {
  const tolIndex = args.indexOf('--tolerance');
  const tolValue = args[tolIndex + 1];
  if (tolIndex >= 0 && (tolValue === undefined || tolValue.startsWith('--')))
    throw new UsageError('--tolerance needs a value, e.g. --tolerance 0.02.');
  const tolerance = tolIndex >= 0 ? numberOption('--tolerance', tolValue, 0)! : DEFAULT_TOLERANCE;
  const rest = tolIndex >= 0 ? [...args.slice(0, tolIndex), ...args.slice(tolIndex + 2)] : args;
  const values = parseBenchArgs(rest);
  const models = values.model ?? [];
  if (models.length !== 2) throw new UsageError(`compare takes two --model options, not ${models.length}.`);
  const settings = benchSettings(values);
  checkOut(settings.out);
  const cancel = cancelOnInterrupt(stderr);
  const instruments = await openInstruments(ramModelOption(values['ram-model']));
  try {
    const flags = measureFlags(values);
    const a = await measure(models[0], settings, instruments, flags, cancel.signal);
    const b = await measure(models[1], settings, instruments, flags, cancel.signal, a.set);
    const verdict = compareResults(a.result, b.result, tolerance, settings.intensity, settings.pue);
    const records = [recordOf(a, settings, instruments), recordOf(b, settings, instruments)];
    for (const r of records) appendRecord(settings.out, r);
    if (values.json) out(JSON.stringify({ a: records[0], b: records[1], verdict }, null, 2));
    else {
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
      out(
        `Per million ${settings.task === 'text-generation' ? 'prompts' : 'items'}: ${verdict.kwhSavedPerMillionItems.toPrecision(3)} kWh${kg !== undefined ? ` and ${kg.toPrecision(3)} kg CO2e` : ''} saved by B${kg === undefined ? ' (give a place for CO2)' : ''}.`,
      );
      out(`Saved both runs to ${settings.out} and carbonlens-runs.jsonl.`);
    }
    return verdict.outcome === 'worse' ? 3 : 0;
  } finally {
    cancel.dispose();
    instruments.meter.close();
  }
}
