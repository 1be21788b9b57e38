// The editor speaks its own language: its settings and commands, never the CLI's flags or
// environment variables. Every catalogued message is checked in the editor's voice, and every
// sentence the extension and the panel carry is scanned.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import {
  asSentence,
  MESSAGE_EXAMPLES,
  MESSAGE_IDS,
  messageText,
  type MessageRef,
  voices,
} from '../../src/core/messages';
import { GGUF_QUANTS } from '../../src/core/models/gguf';
import { tempDir } from '../support/tempDir';

/** A flag (`--device`) or an environment variable name (`HF_ENDPOINT`, `ELECTRICITYMAPS_TOKEN`). */
const CLI_WORDS = /(?:^|[\s("'`])--[a-z][\w-]*|\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b/;

const root = join(__dirname, '..', '..', '..');

/**
 * llama.cpp's quantisation names (Q4_K_M, Q8_0): a GGUF model's data, which a message names as
 * the file does, written like an environment variable but none. Only these exact names are taken out.
 */
const QUANT_NAMES = new RegExp(`\\b(?:${GGUF_QUANTS.join('|')})\\b`, 'g');
const withoutQuants = (text: string) => text.replace(QUANT_NAMES, '');

/**
 * The words of a source's strings (literals, and templates with each `${...}` left out: code, not
 * words), comments and regular expressions skipped. A small tokenizer: TypeScript's own parser
 * has no JavaScript API since 7.0.
 */
function stringsOf(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  // What came last, to tell a regular expression from a division: an operand, or an operator/keyword.
  let operand = false;
  const quoted = (q: string) => {
    let s = '';
    for (i++; i < text.length && text[i] !== q; i++) s += text[i] === '\\' ? text[++i] : text[i];
    i++;
    return s;
  };
  const regex = () => {
    let cls = false;
    for (i++; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '[') cls = true;
      else if (c === ']') cls = false;
      else if (c === '/' && !cls) break;
    }
    i++;
    while (/[a-z]/i.test(text[i] ?? '')) i++;
  };
  const template = () => {
    const parts: string[] = [''];
    for (i++; i < text.length && text[i] !== '`'; i++) {
      if (text[i] === '\\') parts[parts.length - 1] += text[++i];
      else if (text[i] === '$' && text[i + 1] === '{') {
        i += 2;
        code(true);
        i--; // the loop steps past the closing brace
        parts.push('');
      } else parts[parts.length - 1] += text[i];
    }
    i++;
    out.push(parts.join(' '));
  };
  /** Code up to the `}` that closes a template's `${` (when `inTemplate`), or the end. */
  const code = (inTemplate: boolean) => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '/' && text[i + 1] === '/') i = text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i);
      else if (c === '/' && text[i + 1] === '*')
        i = text.indexOf('*/', i + 2) < 0 ? text.length : text.indexOf('*/', i + 2) + 2;
      else if (c === '/' && !operand) {
        regex();
        operand = true;
      } else if (c === "'" || c === '"') {
        out.push(quoted(c));
        operand = true;
      } else if (c === '`') {
        template();
        operand = true;
      } else if (/[\w$]/.test(c)) {
        const word = /^[\w$]+/.exec(text.slice(i))![0];
        i += word.length;
        operand = !/^(return|typeof|case|in|of|new|delete|void|throw|instanceof|yield|await|else|do)$/.test(word);
      } else if (c === '}' && inTemplate && depth === 0) {
        i++;
        return;
      } else {
        if (c === '{') depth++;
        if (c === '}') depth--;
        // A `!` after an operand is TypeScript's non-null assertion (`a[i]! / 2`): still an operand.
        if (!/\s/.test(c)) operand = c === ')' || c === ']' || c === '}' || (c === '!' && operand);
        i++;
      }
    }
  };
  code(false);
  return out;
}

/** A source's strings that read as sentences (a space in them). */
const sentences = (file: string, text = readFileSync(file, 'utf8')) =>
  stringsOf(text).filter((s) => /\s/.test(s.trim()));

/** A source file's sentences that name a flag or an environment variable, less the allowed ones. */
function cliWordsIn(file: string, text?: string): string[] {
  const rel = relative(root, file).split(sep).join('/');
  return sentences(file, text)
    .filter((s) => CLI_WORDS.test(ALLOWED.filter((a) => a.file === rel).reduce((t, a) => t.replace(a.words, ''), s)))
    .map((s) => `${rel}: ${s}`);
}

/**
 * Sentences with a flag or an environment variable name that the editor never shows, or that name
 * what no setting or command of the editor replaces; each says why. Everything else in src/core,
 * src/extension, src/protocol.ts and the panel is checked.
 */
const ALLOWED: { file: string; words: RegExp; why: string }[] = [
  {
    file: 'src/core/bench/report.ts',
    words: /--out\b/g,
    why: 'the checks of --out itself (empty, a missing folder, a folder, a non-file): the editor always writes to emissions.csv in a folder of its storage that it creates',
  },
  {
    file: 'src/core/models/cudaProvider.ts',
    words: /--dir\b/g,
    why: 'an empty --dir: the editor always passes its storage folder',
  },
  {
    file: 'src/core/telemetry/otlpConfig.ts',
    words: /OTEL_EXPORTER_OTLP\w*|--otlp[\w-]*/g,
    why: "the CLI's OTLP options; the editor's exporter is configured from its settings (src/extension/otlp.ts)",
  },
  {
    file: 'src/core/energy/gpuSelection.ts',
    words: /\b(CUDA_VISIBLE_DEVICES|CUDA_DEVICE_ORDER|FASTEST_FIRST|PCI_BUS_ID)\b/g,
    why: "CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER in the process's environment decide which GPUs a run may use, in the editor too; no setting replaces them, so the basis names them",
  },
  {
    file: 'src/core/energy/nvml.ts',
    words: /\bNVML_FI_DEV_POWER_INSTANT\b/g,
    why: "NVML's field id, the provenance of a power reading, not an environment variable",
  },
  {
    file: 'package.json',
    words: /\bCUDA_VISIBLE_DEVICES\b/g,
    why: "carbonlens.meter.gpus's description: empty, the editor's environment decides which GPUs are metered",
  },
  {
    file: 'src/core/models/prepareWorker.ts',
    words: /\bCARBONLENS_(SHARP|CPU|KOFFI)\b/g,
    why: "the worker's own source, a template run as code: it reads the variables its parent sets",
  },
  {
    file: 'src/core/models/webgpuProbe.ts',
    words: /\bCL_(ORT|MODEL)\b/g,
    why: "the probe's own source, a template run as code: it reads the variables its parent sets",
  },
  {
    file: 'src/core/advisor/cron.ts',
    words: /\bCRON_TZ\b/g,
    why: "the crontab's own variable, written in the file the advice is about",
  },
];

/** The sources whose sentences the editor can show: the core it runs (in process or through the CLI), the extension, the panel. */
function editorSources(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
    );
  return [...walk(join(root, 'src/core')), ...walk(join(root, 'src/extension')), ...walk(join(root, 'webview'))]
    .concat(join(root, 'src/protocol.ts'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .filter((f) => f !== join(root, 'src/core/messages.ts')); // its CLI voice is the CLI's; its editor voice is checked above
}

describe("the editor's voice", { timeout: 30_000 }, () => {
  it('every catalogued message has an example, and its editor voice names no flag or environment variable', () => {
    for (const id of MESSAGE_IDS) {
      const examples = MESSAGE_EXAMPLES[id] as MessageRef['params'][];
      assert.ok(examples.length > 0, `${id} has no example`);
      for (const params of examples) {
        const ref = { id, params } as MessageRef;
        const v = voices(ref);
        const editor = [messageText(ref, 'editor'), ...v.controls.map((c) => c.label)].join(' | ');
        assert.doesNotMatch(withoutQuants(editor), CLI_WORDS, `${id} in the editor: ${editor}`);
        assert.doesNotMatch(withoutQuants(v.detail), CLI_WORDS, `${id}'s detail is shared by both voices`);
        assert.ok(v.cli && v.editor && v.cli !== v.editor, `${id} has two voices`);
        assert.ok(v.controls.length > 0, `${id} offers the editor a control`);
      }
    }
  });

  it('the messages that had the CLI voice in the editor have their editor remedy', () => {
    const hub = voices({ id: 'hubUnreachable', params: MESSAGE_EXAMPLES.hubUnreachable[1]! });
    assert.match(hub.cli, /HF_ENDPOINT.*--dataset/);
    assert.match(hub.editor, /carbonlens\.hub\.endpoint/);
    assert.deepEqual(
      hub.controls.map((c) => c.kind),
      ['pickFolder', 'setting'],
    );
    const forecast = voices({ id: 'noForecast', params: { location: 'France' } });
    assert.match(forecast.cli, /ELECTRICITYMAPS_TOKEN/);
    assert.ok(
      forecast.controls.some((c) => c.kind === 'command' && c.command === 'carbonlens.setElectricityMapsToken'),
    );
    // Issue 40's GGUF and Ollama models: a picker of the repository's quantisations, not --quant;
    // the threads setting and a terminal, not the environment's variables.
    const quant = voices({ id: 'quantChoice', params: MESSAGE_EXAMPLES.quantChoice[1]! });
    assert.match(quant.cli, /--quant/);
    assert.deepEqual(quant.controls, [{ kind: 'pickQuant', label: 'Pick a Quantisation', quants: ['Q4_K_M'] }]);
    const threads = voices({ id: 'llamaThreads', params: { value: 'many' } });
    assert.match(threads.cli, /CARBONLENS_LLAMA_THREADS/);
    assert.deepEqual(
      threads.controls.map((c) => c.kind === 'setting' && c.setting),
      ['carbonlens.llama.threads'],
    );
    const ollama = voices({ id: 'ollamaMissing', params: MESSAGE_EXAMPLES.ollamaMissing[0]! });
    assert.match(ollama.cli, /OLLAMA_MODELS/);
    assert.deepEqual(
      ollama.controls.map((c) => c.label),
      ['Open Terminal', 'Run Again'],
    );
    const weights = voices({ id: 'weightsMissing', params: MESSAGE_EXAMPLES.weightsMissing[0]! });
    assert.deepEqual(weights.controls, [{ kind: 'retry', label: 'Run Again with fp32', set: { dtype: 'fp32' } }]);
  });

  it("issue 38's verbatim examples stay in the CLI's voice, and the editor names its own controls instead", () => {
    const cases: [MessageRef, string, string[]][] = [
      [
        { id: 'hubUnreachable', params: MESSAGE_EXAMPLES.hubUnreachable[1]! },
        'give a local evaluation set (--dataset: a folder with labels.csv,',
        ['Pick a Local Set', 'Open Hub Setting'],
      ],
      [
        { id: 'hubUnreachable', params: MESSAGE_EXAMPLES.hubUnreachable[0]! },
        'Check the network or HF_ENDPOINT',
        ['Pick a Model Folder', 'Open Hub Setting'],
      ],
      [
        { id: 'deviceFailed', params: MESSAGE_EXAMPLES.deviceFailed[0]! },
        'Try --device auto or --device cpu.',
        ['Run Again on auto', 'Run Again on cpu'],
      ],
      [
        { id: 'weightsMissing', params: MESSAGE_EXAMPLES.weightsMissing[0]! },
        'Pass --dtype fp32',
        ['Run Again with fp32'],
      ],
      [
        { id: 'noForecast', params: { location: 'France' } },
        '(--country GB or --postcode), or set ELECTRICITYMAPS_TOKEN',
        ['Set Electricity Maps Token', 'Set Location'],
      ],
    ];
    for (const [ref, cliWords, controls] of cases) {
      const v = voices(ref);
      assert.ok(messageText(ref, 'cli').toLowerCase().includes(cliWords.toLowerCase()), `${ref.id}: ${v.cli}`);
      assert.ok(!messageText(ref, 'editor').includes(cliWords), `${ref.id}: ${v.editor}`);
      assert.deepEqual(
        v.controls.map((c) => c.label),
        controls,
      );
    }
    const hub = voices({ id: 'hubUnreachable', params: MESSAGE_EXAMPLES.hubUnreachable[1]! });
    assert.deepEqual(hub.controls[1], {
      kind: 'setting',
      setting: 'carbonlens.hub.endpoint',
      label: 'Open Hub Setting',
    });
  });

  it("the CLI says it in its voice, and with --events passes the reference for the editor's", async () => {
    const saved = { ...process.env };
    const cache = tempDir('carbonlens-voice-');
    try {
      process.env.HF_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens on the discard port
      process.env.CARBONLENS_CACHE = cache;
      const err: string[] = [];
      const code = await main(
        ['bench', '--task', 'image-classification', '--model', 'org/model', '--events', '--yes', '--samples', '2'],
        () => {},
        (t) => err.push(t),
      );
      assert.equal(code, 1);
      const event = err.map((l) => (l.startsWith('{') ? JSON.parse(l) : undefined)).find((e) => e?.event === 'failed');
      assert.equal(event?.remedy?.id, 'hubUnreachable', err.join('\n'));
      assert.equal(event?.kind, 'model');
      assert.match(event?.message, /^Cannot reach /);
      assert.match(event?.hint, /HF_ENDPOINT/);
      assert.match(err.at(-1)!, /^carbonlens: Cannot reach .* Check the network or HF_ENDPOINT/);
      // The whole line is the CLI's voice: nothing of the reference is printed after it.
      assert.equal(err.at(-1), `carbonlens: ${messageText(event.remedy, 'cli')}`);
    } finally {
      process.env = saved;
    }
  });

  it('a message that stands alone starts with a capital and ends with a full stop', () => {
    assert.equal(
      asSentence('the UK Carbon Intensity API answered HTTP 503'),
      'The UK Carbon Intensity API answered HTTP 503.',
    );
    assert.equal(asSentence('No forecast.'), 'No forecast.');
  });

  it('no sentence the editor can show names a flag or an environment variable', () => {
    const files = editorSources();
    assert.ok(files.length > 100, `the sources were found (${files.length})`);
    assert.deepEqual(
      files.flatMap((f) => cliWordsIn(f)),
      [],
    );
  });

  it('no setting description, command title or walkthrough step names a flag or an environment variable', () => {
    const manifest = join(root, 'package.json');
    const texts: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') texts.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk((JSON.parse(readFileSync(manifest, 'utf8')) as { contributes: unknown }).contributes);
    const walkthrough = join(root, 'media/walkthrough');
    for (const f of readdirSync(walkthrough)) texts.push(readFileSync(join(walkthrough, f), 'utf8'));
    assert.ok(texts.length > 100, `the manifest's texts were found (${texts.length})`);
    // The same check as the sources', each text as one string.
    const found = texts.flatMap((t) => cliWordsIn(manifest, JSON.stringify(t)));
    assert.deepEqual(found, []);
    assert.equal(
      cliWordsIn(manifest, JSON.stringify('A mirror (like `HF_ENDPOINT`).')).length,
      1,
      'a planted one is found',
    );
  });

  it("takes out llama.cpp's quantisation names only, not a variable beside them", () => {
    assert.doesNotMatch(withoutQuants('Run Again on Q4_K_M, Q8_0 or IQ2_XXS'), CLI_WORDS);
    assert.match(withoutQuants('Q4_K_M, or set OLLAMA_MODELS'), CLI_WORDS);
    assert.match(withoutQuants('Q4_K_MX'), CLI_WORDS, 'a name that is not one of them is found');
  });

  it('reads strings as the language does: templates, comments, regular expressions', () => {
    assert.deepEqual(stringsOf("a = 'x y'; // 'no'\n/* 'no' */ b = /'no'/g; c = d / 2 / 'e f';"), ['x y', 'e f']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source text with a template in it
    assert.deepEqual(stringsOf('t = `a ${f(`b ${c} d`, { e: 1 })} g`;'), ['b   d', 'a   g']);
    assert.deepEqual(stringsOf(String.raw`s = 'it\'s here';`), ["it's here"]);
  });

  it('the scan finds a flag or an environment variable planted in a message, a template and a panel string', () => {
    const planted = [
      "throw new Error('The set is too small: pass --samples 10.');",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source text with a template in it
      'const why = `${host} cannot be reached: check HF_ENDPOINT (${cause}).`;',
      'el.textContent = "Set CARBONLENS_CACHE to move it";',
    ];
    for (const line of planted) assert.equal(cliWordsIn(join(root, 'src/extension/planted.ts'), line).length, 1, line);
    // Words in code are not words shown: an argument list, an environment read, a comment.
    const code = "spawn(cli, ['--json']); process.env.HF_TOKEN; // pass --samples\nconst a = 'x';";
    assert.deepEqual(cliWordsIn(join(root, 'src/extension/planted.ts'), code), []);
    // The allowances are by file: the same words elsewhere are found.
    assert.equal(cliWordsIn(join(root, 'src/core/bench/other.ts'), "const s = 'choose another --out';").length, 1);
    // ...and an allowance takes out its own words only.
    assert.equal(
      cliWordsIn(join(root, 'src/core/bench/report.ts'), "const s = 'choose --out or HF_ENDPOINT';").length,
      1,
    );
  });
});
