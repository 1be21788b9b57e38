// The model side of the advisor on code as people write it: a swap only where the loading class or
// pipeline task loads the replacement, no advice on tokenizer-only or pinned loads, ids through
// constants, fallbacks, dicts, argparse and notebooks, names matched through mirrors and short
// sentence-transformers names, and a note (never a diagnostic) where the advisor stays silent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adviseFile, silenceSummary, type Finding } from '../../src/core/advisor/advise';
import { modelRef, writeLike } from '../../src/core/advisor/catalogue';
import { modelEquivalentRows, modelFamilyRows } from '../../src/generated/modelCatalogue';
import { DEFAULT_ADVISOR_OPTIONS, suggestModel } from '../../src/core/advisor/suggest';

const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true };
const py = (lines: string[]) => adviseFile('train.py', lines.join('\n'), options)!;
/** "line:column value -> replacement", 1-based. */
const summary = (findings: Finding[]) =>
  findings.map((f) => `${f.start.line + 1}:${f.start.character + 1} ${f.value} -> ${f.suggestion.replacement}`);
const textAt = (text: string, r: { start: { line: number; character: number }; end: { character: number } }) =>
  text.split('\n')[r.start.line]!.slice(r.start.character, r.end.character);

describe('advisor models: swaps that keep code working', { timeout: 60_000 }, () => {
  it('no DistilBERT for a BERT loaded with AutoModelForCausalLM (DistilBERT has no causal-LM class), directly or through a constant', () => {
    const direct = py([
      'from transformers import AutoModelForCausalLM',
      'model = AutoModelForCausalLM.from_pretrained("bert-base-uncased", is_decoder=True)',
    ]);
    assert.deepEqual(direct.findings, []);
    assert.match(direct.notes[0]!.message, /no smaller model is within 5% on every published metric and fits/);
    assert.match(direct.notes[0]!.alternatives[0]!.line, /AutoModelForCausalLM` does not load a distilbert model/);
    const constant = py([
      'MODEL = "bert-base-uncased"',
      'tok = AutoTokenizer.from_pretrained(MODEL)',
      'lm = AutoModelForCausalLM.from_pretrained(MODEL)',
    ]);
    assert.deepEqual(constant.findings, []);
    // The same through a pipeline task, and a class the data does not describe.
    assert.deepEqual(py(['p = pipeline("text-generation", model="bert-base-uncased")']).findings, []);
    assert.deepEqual(py(['m = MyBert.from_pretrained("bert-base-uncased")']).findings, []);
  });

  it('offers the swap where the class loads the replacement, and changes the tokenizer literal with it', () => {
    const text = [
      'tok = AutoTokenizer.from_pretrained("bert-base-uncased")',
      'clf = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)',
    ].join('\n');
    const r = adviseFile('train.py', text, options)!;
    assert.deepEqual(summary(r.findings), ['2:59 bert-base-uncased -> distilbert-base-uncased']);
    assert.deepEqual(
      r.findings[0]!.also!.map((a) => [a.start.line, textAt(text, a)]),
      [[0, 'bert-base-uncased']],
    );
    assert.deepEqual(summary(py(['p = pipeline("fill-mask", model="bert-base-uncased")']).findings), [
      '1:34 bert-base-uncased -> distilbert-base-uncased',
    ]);
  });

  it('a tokenizer literal moves with the model literal nearest it, never with one that gets no fix', () => {
    const text = [
      'model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")',
      'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
      'tf_model = TFAutoModelForSequenceClassification.from_pretrained("bert-base-uncased")',
      'tf_tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
    ].join('\n');
    const r = adviseFile('q.py', text, options)!;
    assert.deepEqual(
      r.findings.map((f) => [f.start.line, f.also?.map((a) => a.start.line)]),
      [[0, [1]]],
      'the TF class is not known to load DistilBERT: its line and its tokenizer stay',
    );
    // A concrete tokenizer or config class reads only its own architecture's files: no fix.
    const concrete = py([
      'model = AutoModel.from_pretrained("bert-base-cased")',
      'config = BertConfig.from_pretrained("bert-base-cased")',
    ]);
    assert.deepEqual(concrete.findings, []);
    // The same name set to the same id twice (a cell run again): one fix changes both.
    const twice = py([
      'checkpoint = "bert-base-uncased"',
      'model = AutoModelForSequenceClassification.from_pretrained(checkpoint)',
      'checkpoint = "bert-base-uncased"',
    ]);
    assert.deepEqual(
      twice.findings.map((f) => [f.start.line, f.also?.map((a) => a.start.line)]),
      [
        [0, [2]],
        [2, [0]],
      ],
    );
  });

  it('no finding on a pinned revision; "main" is not a pin', () => {
    const pinned = py([
      'm = AutoModel.from_pretrained("bert-base-uncased", revision="5546055f03398095e385d7dc625e636cc8910bf2")',
    ]);
    assert.deepEqual(pinned.findings, []);
    assert.match(pinned.notes[0]!.message, /pinned revision/);
    assert.equal(py(['m = AutoModel.from_pretrained("bert-base-uncased", revision="main")']).findings.length, 1);
  });

  it('no finding where the code names files of the repository or loads an adapter trained on the model', () => {
    const gguf = py(['m = AutoModelForCausalLM.from_pretrained("bert-base-uncased", gguf_file="model-q4.gguf")']);
    assert.deepEqual(gguf.findings, []);
    assert.match(gguf.notes[0]!.message, /file names of this repository/);
    const adapter = py([
      'base = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")',
      'model = PeftModel.from_pretrained(base, "me/bert-lora-sst2")',
    ]);
    assert.deepEqual(adapter.findings, []);
    assert.match(adapter.notes[0]!.message, /PEFT adapter is loaded in this file/);
  });

  it('no finding where only the tokenizer or processor of an id is loaded, and the hover says why', () => {
    const r = py(['tok = AutoTokenizer.from_pretrained("bert-base-uncased")']);
    assert.deepEqual(r.findings, []);
    assert.equal(r.notes[0]!.reason, 'silent-use');
    assert.match(r.notes[0]!.message, /only its AutoTokenizer is loaded here: no model runs/);
    assert.deepEqual(py(['p = AutoProcessor.from_pretrained("microsoft/trocr-large-printed")']).findings, []);
    assert.deepEqual(
      py(['f = hf_hub_download(repo_id="google/vit-base-patch16-384", filename="config.json")']).findings,
      [],
    );
  });

  it('where the code hides how it loads an id, only the same architecture is offered', () => {
    // A call the data does not describe (a decoder loaded from the same name, a user function).
    assert.deepEqual(
      py(['name = "bert-base-uncased"', 'loss = DenoisingAutoEncoderLoss(model, decoder_name_or_path=name)']).findings,
      [],
    );
    // Loaded nowhere in the file.
    assert.deepEqual(py(['MODEL_NAME = "bert-base-uncased"']).findings, []);
    assert.match(
      py(['MODEL_NAME = "bert-base-uncased"']).notes[0]!.alternatives[0]!.line,
      /not loaded in this file, so only a model of the same architecture \(bert\)/,
    );
    // PEFT module names belong to one architecture.
    const peft = py([
      'config = LoraConfig(target_modules=["query", "value"])',
      'm = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased")',
    ]);
    assert.deepEqual(peft.findings, []);
    assert.match(
      peft.notes[0]!.alternatives[0]!.line,
      /names modules of its architecture \(bert\) in `target_modules`/,
    );
    // Printing or logging the name is not a load; the same architecture is still offered.
    assert.deepEqual(
      summary(py(['CKPT = "google/vit-base-patch16-384"', 'print(CKPT)', 'logger.info(CKPT)']).findings),
      ['1:9 google/vit-base-patch16-384 -> google/vit-base-patch16-224'],
    );
  });

  it('a base model or a load it cannot see keeps its width; a task head built from the new configuration need not', () => {
    assert.deepEqual(
      summary(
        py(['clf = AutoModelForSequenceClassification.from_pretrained("microsoft/deberta-v3-base", num_labels=3)'])
          .findings,
      ),
      ['1:59 microsoft/deberta-v3-base -> microsoft/deberta-v3-xsmall'],
    );
    const base = py(['enc = AutoModel.from_pretrained("microsoft/deberta-v3-base")', 'head = nn.Linear(768, 2)']);
    assert.deepEqual(base.findings, []);
    assert.match(
      base.notes[0]!.alternatives.map((a) => a.line).join('\n'),
      /deberta-v3-xsmall: within 5% .* hidden size is 384, not 768/,
    );
    assert.deepEqual(py(['BACKBONE = "microsoft/deberta-v3-base"']).findings, [], 'loaded nowhere here');
    assert.deepEqual(py(['f = pipeline("feature-extraction", model="microsoft/deberta-v3-base")']).findings, []);
  });

  it('keeps sentence embeddings the same size: a smaller model within the tolerance but of another dimension is only listed', () => {
    const r = py(['m = SentenceTransformer("all-roberta-large-v1")']);
    assert.deepEqual(r.findings, []);
    assert.match(
      r.notes[0]!.alternatives[0]!.line,
      /all-mpnet-base-v2: within 5% .* embeddings have 768 dimensions, not 1024/,
    );
  });
});

describe('advisor models: plain encoders fine-tuned as sentence or cross encoders (corpus misses)', {
  timeout: 60_000,
}, () => {
  it('SentenceTransformer, models.Transformer and CrossEncoder of bert-base-uncased may take DistilBERT, through argv fallbacks', () => {
    const argv = 'model_name = sys.argv[1] if len(sys.argv) > 1 else "bert-base-uncased"';
    for (const load of [
      'model = SentenceTransformer(model_name)',
      'word_embedding_model = models.Transformer(model_name, max_seq_length=128)',
      'cross_encoder = CrossEncoder(model_name, num_labels=1)',
    ])
      assert.deepEqual(
        summary(py(['import sys', argv, load]).findings),
        ['2:53 bert-base-uncased -> distilbert-base-uncased'],
        load,
      );
  });

  it('not where a call it cannot read also gets the name, nor a decoder for an encoder', () => {
    const argv = 'model_name = "bert-base-uncased"';
    assert.deepEqual(
      py([argv, 'model = SentenceTransformer(model_name)', 'aug = naw.ContextualWordEmbsAug(model_path=model_name)'])
        .findings,
      [],
    );
    // A sentence-transformers model stays one: all-mpnet-base-v2's smaller members are only listed.
    assert.deepEqual(py(['m = SentenceTransformer("all-mpnet-base-v2")']).findings, []);
  });
});

describe('advisor models: names as people write them', { timeout: 60_000 }, () => {
  it('short sentence-transformers names, the full id, mirrors and any case', () => {
    assert.deepEqual(summary(py(['m = SentenceTransformer("all-MiniLM-L12-v2")']).findings), [
      '1:26 all-MiniLM-L12-v2 -> all-MiniLM-L6-v2',
    ]);
    assert.equal(
      suggestModel('sentence-transformers/all-MiniLM-L12-v2', options)?.replacement,
      'sentence-transformers/all-MiniLM-L6-v2',
    );
    assert.equal(suggestModel('Xenova/all-MiniLM-L12-v2', options)?.replacement, 'Xenova/all-MiniLM-L6-v2');
    assert.equal(
      suggestModel('onnx-community/all-MiniLM-L12-v2', options)?.replacement,
      'onnx-community/all-MiniLM-L6-v2',
    );
    assert.equal(modelRef('ALL-MINILM-L12-V2')?.canonical, 'sentence-transformers/all-minilm-l12-v2');
    assert.equal(modelRef('Microsoft/DeBERTa-v3-Base')?.family?.modelType, 'deberta-v2');
    assert.equal(writeLike('sentence-transformers/all-MiniLM-L6-v2', { kind: 'short' }), 'all-MiniLM-L6-v2');
    // A short name alone in prose or under a key that does not name a model is not an id.
    assert.deepEqual(adviseFile('a.yaml', 'job: all-MiniLM-L12-v2\n', options)!.findings, []);
    assert.equal(modelRef('acme/all-MiniLM-L12-v2'), undefined);
  });

  it('outside the tolerance: no finding, a note listing the smaller models with their quality drop', () => {
    const r = py(['model = SentenceTransformer("all-mpnet-base-v2")']);
    assert.deepEqual(r.findings, []);
    const lines = r.notes[0]!.alternatives.map((a) => a.line);
    assert.ok(
      lines.some((l) => /^all-distilroberta-v1: 10\.7% lower Performance Semantic Search.*\(50\.94 vs 57\.02/.test(l)),
      lines.join('\n'),
    );
    assert.ok(r.notes[0]!.alternatives.every((a) => a.id !== 'all-mpnet-base-v2'));
    assert.match(
      silenceSummary('train.py', r)!,
      /^Advisor: train\.py: 0 findings; no advice on all-mpnet-base-v2 \(line 1\)/,
    );
    const many = py(Array.from({ length: 7 }, (_, i) => `m${i} = SentenceTransformer("all-mpnet-base-v2")`));
    assert.match(silenceSummary('train.py', many)!, / \| and 2 more$/);
    // Recognised, with nothing smaller in its family that has a comparison.
    const whisper = py(['asr = pipeline("automatic-speech-recognition", model="openai/whisper-tiny")']);
    assert.deepEqual(whisper.findings, []);
    assert.match(whisper.notes[0]!.message, /openai\/whisper-tiny \(Whisper, 39 M parameters\)/);
    // A language model: the card's smaller size loses far more than the tolerance.
    const llama = py(['lm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-70B-Instruct")']);
    assert.deepEqual(llama.findings, []);
    assert.match(
      llama.notes[0]!.alternatives[0]!.line,
      /^meta-llama\/Llama-3\.1-8B-Instruct: 17\.0% lower MMLU, 5-shot, macro_avg\/acc \(69\.4 vs 83\.6, MMLU\)/,
    );
    // Recognised by its repository name only: family and the size its name states.
    assert.match(
      py(['lm = AutoModelForCausalLM.from_pretrained("Qwen/Qwen3-4B-Instruct-2507")']).notes[0]!.message,
      /^No advice on Qwen\/Qwen3-4B-Instruct-2507 \(Qwen, 4000 M parameters by its name\): the catalogue has no published comparison/,
    );
    // Not recognised: nothing to say.
    assert.deepEqual(py(['m = AutoModel.from_pretrained("acme/private-model")']).notes, []);
  });

  it('catalogue data: every compared model is a family member (with a model type outside embeddings), every member has a source', () => {
    const known = new Set(modelFamilyRows().map((f) => f.id.toLowerCase()));
    for (const r of modelEquivalentRows())
      for (const id of [r.large, r.small]) {
        const ref = modelRef(id);
        assert.ok(ref && known.has(ref.canonical), `${id} is not in data/model-families.csv`);
        // Embedding models may lack one: loaded through an auto class, they then get no swap.
        if (r.task !== 'sentence-similarity') assert.ok(ref.family!.modelType, `${id} has no model type`);
      }
    for (const f of modelFamilyRows()) assert.ok(f.source.length > 10, `${f.id}: no source`);
  });
});

describe('advisor models: Python and notebooks as code', { timeout: 60_000 }, () => {
  const cases: [string, string[], string][] = [
    ['a constant used later', ['BASE = "google/vit-base-patch16-384"', 'm = AutoModel.from_pretrained(BASE)'], '1:9'],
    [
      'a conditional expression',
      [
        'MODEL = sys.argv[1] if len(sys.argv) > 1 else "google/vit-base-patch16-384"',
        'm = AutoModel.from_pretrained(MODEL)',
      ],
      '1:48',
    ],
    [
      'an environment fallback',
      ['NAME = os.getenv("MODEL", "google/vit-base-patch16-384")', 'm = AutoModel.from_pretrained(NAME)'],
      '1:28',
    ],
    [
      'a dict literal',
      ['cfg = {"backbone": "google/vit-base-patch16-384"}', 'm = AutoModel.from_pretrained(cfg["backbone"])'],
      '1:21',
    ],
    [
      'an argparse default',
      [
        'p.add_argument("--backbone-name", type=str, default="google/vit-base-patch16-384")',
        'args = p.parse_args()',
        'm = AutoModelForImageClassification.from_pretrained(args.backbone_name)',
      ],
      '1:54',
    ],
    [
      'a dataclass field',
      ['    model_name_or_path: str = field(default="google/vit-base-patch16-384", metadata={})'],
      '1:46',
    ],
    ['an argv list', ['sys.argv += ["--model_name_or_path", "google/vit-base-patch16-384"]'], '1:39'],
    [
      'a function default',
      ['def load(name="google/vit-base-patch16-384"):', '    return AutoModel.from_pretrained(name)'],
      '1:16',
    ],
  ];
  for (const [what, lines, at] of cases)
    it(`finds the id in ${what}, on the literal only`, () => {
      const text = lines.join('\n');
      const r = adviseFile('x.py', text, options)!;
      assert.deepEqual(summary(r.findings), [`${at} google/vit-base-patch16-384 -> google/vit-base-patch16-224`]);
      assert.equal(textAt(text, r.findings[0]!), 'google/vit-base-patch16-384');
    });

  it('a constant whose loads do not fit gives nothing, whatever the name', () => {
    const r = py(['CKPT = "google/vit-base-patch16-384"', 'model = AutoModelForCausalLM.from_pretrained(CKPT)']);
    assert.deepEqual(r.findings, []);
  });

  it('notebooks: whole code cells, a constant of one cell used in another, a call split over lines', () => {
    const nb = JSON.stringify(
      {
        cells: [
          { cell_type: 'markdown', metadata: {}, source: ['MODEL = "bert-base-uncased" in prose\n'] },
          { cell_type: 'code', metadata: {}, outputs: [], source: ['MODEL = "bert-base-uncased"\n'] },
          {
            cell_type: 'code',
            metadata: {},
            outputs: [],
            source: ['model = AutoModelForCausalLM.from_pretrained(\n', '    MODEL,\n', ')\n'],
          },
          {
            cell_type: 'code',
            metadata: {},
            outputs: [],
            source: ['clf = AutoModelForSequenceClassification.from_pretrained(\n', '    "roberta-base",\n', ')\n'],
          },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    );
    const r = adviseFile('n.ipynb', nb, options)!;
    assert.deepEqual(
      r.findings.map((f) => `${f.value} -> ${f.suggestion.replacement}`),
      [],
      'roberta-base -> distilroberta-base loses 5% of GLUE: outside the tolerance',
    );
    assert.deepEqual(
      r.notes.map((n) => [n.value, textAt(nb, n)]),
      [
        ['bert-base-uncased', 'bert-base-uncased'],
        ['roberta-base', 'roberta-base'],
      ],
      'the markdown cell is not code; the constant is judged by the causal-LM load of a later cell',
    );
    const wide = adviseFile('n.ipynb', nb, { ...options, tolerancePercent: 6 })!;
    assert.deepEqual(
      wide.findings.map((f) => `${f.value} -> ${f.suggestion.replacement} @${textAt(nb, f)}`),
      ['roberta-base -> distilroberta-base @roberta-base'],
    );
  });
});
