// The advisor in the editor: diagnostics on model ids and regions in open files (re-scanned
// 300 ms after an edit), quick fixes that replace the value in place (its quotes stay), a
// "Compare on this machine" action, and a hover with the evidence and its sources. Reading
// works in untrusted workspaces; running a comparison needs trust.
import { intensityText } from '../core/units';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from './dispose';
import type { Finding, Note, RelatedFile } from '../core/advisor/advise';
import { percentText } from '../core/advisor/percent';
import { terraformModuleFiles } from '../core/advisor/terraformModule';
import { isRecordedOutput, isTestPath } from '../core/advisor/testPaths';
import { CONFIG_DEFAULTS } from './configDefaults';
import type { AdvisorOptions, Suggestion } from '../core/advisor/suggest';
import { citationsMarkdown } from '../core/citations';
import type { RunSummary } from '../core/bench/history';
import type { TypicalDay } from '../core/carbon/forecast';
import { isTask, type Task } from '../core/models/tasks';
import type { CarbonLensConfig } from './config';

export interface AdvisorSettings {
  models: boolean;
  regions: boolean;
  severity: vscode.DiagnosticSeverity;
  ignore: string[];
  maxFileSizeKB: number;
  tolerancePercent: number;
  regionScope: AdvisorOptions['regionScope'];
  minSavingPercent: number;
  /** Read test data and recorded outputs too (skipped by default). */
  includeTests: boolean;
}

const SEVERITY: Record<string, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function readAdvisorSettings(): AdvisorSettings {
  const c = vscode.workspace.getConfiguration('carbonlens.advisor');
  const num = (key: string, fallback: number, min = 0) => {
    const v = c.get<number>(key, fallback);
    return typeof v === 'number' && v >= min ? v : fallback;
  };
  const D = CONFIG_DEFAULTS;
  const scope = c.get<string>('regionScope', D['advisor.regionScope']);
  return {
    models: c.get<boolean>('models.enabled', D['advisor.models.enabled']),
    regions: c.get<boolean>('regions.enabled', D['advisor.regions.enabled']),
    severity: SEVERITY[c.get<string>('severity', D['advisor.severity'])] ?? SEVERITY[D['advisor.severity']],
    ignore: (c.get<unknown[]>('ignore', [...D['advisor.ignore']]) ?? []).filter(
      (g): g is string => typeof g === 'string',
    ),
    maxFileSizeKB: num('maxFileSizeKB', D['advisor.maxFileSizeKB'], 1),
    tolerancePercent: num('tolerancePercent', D['advisor.tolerancePercent']),
    regionScope: scope === 'continent' || scope === 'any' ? scope : D['advisor.regionScope'],
    minSavingPercent: num('minSavingPercent', D['advisor.minSavingPercent']),
    includeTests: c.get<boolean>('includeTests', D['advisor.includeTests']) === true,
  };
}

const CATALOGUE_TASKS: Record<string, Task> = {
  'image-classification': 'image-classification',
  'image-to-text (OCR)': 'image-to-text',
  summarization: 'summarization',
  'text-generation': 'text-generation',
};
const MIRRORED = /^(xenova|onnx-community)\//i;
/**
 * transformers.js runs ONNX weights: compare the conversions of catalogue models, Xenova's, or
 * onnx-community's for language models (where Llama 3.2, Qwen2.5 and Phi-3.5 live).
 */
const onnxId = (id: string, task?: Task) =>
  // An Ollama name (llama3.2:3b: no hub id has a colon) runs from Ollama's store through llama.cpp.
  id.includes(':')
    ? `ollama:${id.replace(/^ollama:/, '')}`
    : MIRRORED.test(id) || id.startsWith('.') || id.startsWith('/')
      ? id
      : `${task === 'text-generation' ? 'onnx-community' : 'Xenova'}/${id.split('/').pop()}`;

/** The diagnostic's code says what the saving is: fewer parameters, the same size run cheaper, a cleaner grid. */
function diagnosticCode(s: Suggestion): string {
  if (s.kind === 'region') return 'greener-region';
  if (s.kind === 'schedule') return 'cleaner-hour';
  return s.params?.from && s.params.to && s.params.to < s.params.from ? 'smaller-model' : 'cheaper-model';
}

export class AdvisorController extends Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('carbonlens');
  private readonly findings = new Map<string, Finding[]>();
  /** Recognised values with no finding, and why (hover only). */
  private readonly notes = new Map<string, Note[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly skippedLogged = new Set<string>();
  /** The last line logged per file: a line is written when what the advisor says about it changes. */
  private readonly summaries = new Map<string, string>();
  private settings = readAdvisorSettings();
  // dist/advisor.js, beside this bundle (a computed path: esbuild leaves it alone).
  private readonly bundle = require(join(__dirname, 'advisor.js')) as typeof import('./advisorBundle');

  constructor(
    private readonly docsUri: vscode.Uri,
    private readonly config: () => CarbonLensConfig,
    private readonly history: () => readonly RunSummary[],
    private readonly log: vscode.LogOutputChannel,
    private readonly typicalDay: () => TypicalDay | undefined = () => undefined,
  ) {
    super();
    const selector: vscode.DocumentSelector = [
      { scheme: 'file' },
      { scheme: 'untitled' },
      { scheme: 'vscode-notebook-cell' },
      { scheme: 'vscode-remote' },
    ];
    this.register(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.scan(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.scanLater(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.clear(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('carbonlens')) return;
        this.settings = readAdvisorSettings();
        this.rescanAll();
      }),
      vscode.languages.registerCodeActionsProvider(
        selector,
        { provideCodeActions: (d, r) => this.codeActions(d, r) },
        { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
      ),
      vscode.languages.registerHoverProvider(selector, { provideHover: (d, p) => this.hover(d, p) }),
    );
    this.rescanAll();
  }

  /** Scans every open document again (after a setting or the benchmark history changed). */
  rescanAll(): void {
    for (const d of vscode.workspace.textDocuments) this.scan(d);
  }

  private findingsFor(uri: vscode.Uri): readonly Finding[] {
    return this.findings.get(uri.toString()) ?? [];
  }

  private scanLater(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => this.scan(doc), 300),
    );
  }

  private clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
    this.findings.delete(uri.toString());
    this.notes.delete(uri.toString());
    this.summaries.delete(uri.toString());
    clearTimeout(this.timers.get(uri.toString()));
  }

  private ignored(doc: vscode.TextDocument): boolean {
    return this.settings.ignore.some((pattern) => vscode.languages.match({ pattern }, doc) > 0);
  }

  scan(doc: vscode.TextDocument): void {
    const s = this.settings;
    if ((!s.models && !s.regions) || doc.uri.scheme === 'output' || this.ignored(doc)) {
      this.clear(doc.uri);
      return;
    }
    const text = doc.getText();
    if (text.length > s.maxFileSizeKB * 1024) {
      if (!this.skippedLogged.has(doc.uri.toString())) {
        this.skippedLogged.add(doc.uri.toString());
        this.log.info(
          `Advisor: skipped ${doc.uri.fsPath} (${(text.length / 1024).toFixed(0)} KB, over carbonlens.advisor.maxFileSizeKB ${s.maxFileSizeKB}).`,
        );
      }
      this.clear(doc.uri);
      return;
    }
    // A notebook cell is Python (or Markdown) text inside the .ipynb: read it by its language.
    const name = doc.uri.scheme === 'vscode-notebook-cell' ? `${doc.fileName}#cell` : doc.fileName;
    // Test data is judged by the path inside the workspace folder, not by where the folder is.
    if (!s.includeTests && (isTestPath(vscode.workspace.asRelativePath(doc.uri, false)) || isRecordedOutput(text))) {
      this.clear(doc.uri);
      return;
    }
    const result = this.bundle.adviseFile(
      name,
      text,
      {
        ...s,
        includeTests: true,
        dataset: this.config().dataset,
        history: this.history(),
        typicalDay: this.typicalDay(),
      },
      doc.languageId,
      this.moduleFiles(doc),
    );
    if (!result) {
      this.clear(doc.uri);
      return;
    }
    const found = result.findings;
    this.findings.set(doc.uri.toString(), found);
    this.notes.set(doc.uri.toString(), result.notes);
    this.logSummary(doc, result);
    this.collection.set(
      doc.uri,
      found.map((f) => {
        const d = new vscode.Diagnostic(
          new vscode.Range(f.start.line, f.start.character, f.end.line, f.end.character),
          f.message,
          s.severity,
        );
        d.source = 'CarbonLens';
        d.code = { value: diagnosticCode(f.suggestion), target: this.docsUri };
        return d;
      }),
    );
  }

  /** The other files of a Terraform file's module, within its workspace folder, open ones as edited. */
  private moduleFiles(doc: vscode.TextDocument): RelatedFile[] {
    if (doc.uri.scheme !== 'file' || !/\.(tf|tfvars)$/i.test(doc.fileName)) return [];
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri;
    let root: string | undefined;
    try {
      root = folder?.scheme === 'file' ? realpathSync(folder.fsPath) : undefined;
    } catch {
      root = undefined;
    }
    return terraformModuleFiles(doc.fileName, {
      root,
      maxBytes: this.settings.maxFileSizeKB * 1024,
      open: (path) =>
        vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.fileName === path)?.getText(),
    });
  }

  private noteAt(doc: vscode.TextDocument, position: vscode.Position): Note | undefined {
    return (this.notes.get(doc.uri.toString()) ?? []).find((n) =>
      new vscode.Range(n.start.line, n.start.character, n.end.line, n.end.character).contains(position),
    );
  }

  /** "Compare on this machine" for a model and a smaller one of a task the benchmarks run, or undefined. */
  private compareAction(model: string, candidate: string, catalogueTask: string): vscode.CodeAction | undefined {
    const task = isTask(catalogueTask) ? catalogueTask : CATALOGUE_TASKS[catalogueTask];
    if (!task) return undefined;
    const compare = new vscode.CodeAction(
      `Compare ${onnxId(model, task)} and ${onnxId(candidate, task)} on this machine`,
      vscode.CodeActionKind.Empty,
    );
    compare.command = {
      command: 'carbonlens.compareModels',
      title: 'Compare on this machine',
      arguments: [
        {
          task,
          model: onnxId(model, task),
          candidate: onnxId(candidate, task),
          // Language models in their smallest weights, which onnx-community's conversions all carry
          // (an Ollama model's weights are its own).
          ...(task === 'text-generation' && !model.includes(':') && { dtype: 'q4f16' }),
        },
      ],
    };
    if (!vscode.workspace.isTrusted) compare.disabled = { reason: 'Running models needs a trusted workspace.' };
    return compare;
  }

  private at(doc: vscode.TextDocument, range: vscode.Range): Finding[] {
    return this.findingsFor(doc.uri).filter(
      (f) =>
        new vscode.Range(f.start.line, f.start.character, f.end.line, f.end.character).intersection(range) !==
        undefined,
    );
  }

  private codeActions(doc: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const f of this.at(doc, range)) {
      const where = new vscode.Range(f.start.line, f.start.character, f.end.line, f.end.character);
      // A region fix with no safe edit (zones or paths it cannot move) offers none.
      if (!f.edits || f.edits.length > 0) {
        const saving =
          f.suggestion.savingPercent !== undefined
            ? ` (-${percentText(f.suggestion.savingPercent)} ${f.kind === 'model' ? 'energy' : 'CO2'})`
            : '';
        const together = f.edits && f.edits.length > 1 ? ` and move its ${f.edits.length - 1} related values` : '';
        const fix = new vscode.CodeAction(
          `Replace with ${f.suggestion.replacement}${together}${saving}`,
          vscode.CodeActionKind.QuickFix,
        );
        fix.edit = new vscode.WorkspaceEdit();
        for (const e of f.edits ?? [{ start: f.start, end: f.end, newText: f.suggestion.replacement }])
          fix.edit.replace(
            doc.uri,
            new vscode.Range(e.start.line, e.start.character, e.end.line, e.end.character),
            e.newText,
          );
        // The same id's tokenizer or processor literals move with the model, in the same edit.
        for (const r of f.also ?? [])
          fix.edit.replace(
            doc.uri,
            new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character),
            f.suggestion.replacement,
          );
        fix.isPreferred = true;
        fix.diagnostics = vscode.languages
          .getDiagnostics(doc.uri)
          .filter((d) => d.source === 'CarbonLens' && d.range.isEqual(where));
        actions.push(fix);
      }
      if (f.suggestion.kind === 'model') {
        const compare = this.compareAction(f.value, f.suggestion.replacement, f.suggestion.task);
        if (compare) actions.push(compare);
      }
    }
    // No finding, but smaller models with a published comparison: compare them on your own data.
    const note = this.at(doc, range).length === 0 ? this.noteAt(doc, range.start) : undefined;
    const alternative = note?.alternatives.find((a) => a.task);
    if (note && alternative) {
      const compare = this.compareAction(note.value, alternative.id, alternative.task);
      if (compare) actions.push(compare);
    }
    return actions;
  }

  private hover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const f = this.at(doc, new vscode.Range(position, position))[0];
    if (!f) return this.noteHover(doc, position);
    const md = new vscode.MarkdownString('', true);
    md.isTrusted = { enabledCommands: ['carbonlens.compareModels', 'carbonlens.showPanel'] };
    const s = f.suggestion;
    // The diagnostic's sentence is already in the same hover, above: only the evidence here.
    md.appendMarkdown('**CarbonLens**\n\n');
    if (s.kind === 'model') {
      md.appendMarkdown(
        `Evidence: ${s.evidence === 'measured-here' ? '**measured on this machine**' : '**published**'} (quality within ${s.tolerancePercent}%)\n\n`,
      );
      for (const q of s.quality) md.appendMarkdown(`- ${q}\n`);
      if (s.params?.from && s.params.to) md.appendMarkdown(`- parameters: ${s.params.from} M -> ${s.params.to} M\n`);
      if (s.energy) md.appendMarkdown(`- energy: ${s.energy}\n`);
    } else if (s.kind === 'schedule') {
      md.appendMarkdown(`Evidence: **typical day** of ${s.location}, ${s.period}\n\n`);
      md.appendMarkdown(`- ${s.from.utcHour}:00 UTC: ${intensityText(s.from.gco2PerKwh)} on average\n`);
      md.appendMarkdown(`- ${s.to.utcHour}:00 UTC: ${intensityText(s.to.gco2PerKwh)} on average\n`);
    } else {
      md.appendMarkdown(`Evidence: **dataset** (${this.config().dataset})\n\n`);
      md.appendMarkdown(
        `- ${s.provider} ${s.from.region}, ${s.from.location}: ${intensityText(s.from.gco2PerKwh)}${s.from.year ? ` (${s.from.year})` : ''}\n`,
      );
      md.appendMarkdown(
        `- ${s.provider} ${s.to.region}, ${s.to.location}: ${intensityText(s.to.gco2PerKwh)}${s.to.year ? ` (${s.to.year})` : ''}\n`,
      );
    }
    md.appendMarkdown(`\nSources: ${citationsMarkdown(s.sources)}\n`);
    return new vscode.Hover(md, new vscode.Range(f.start.line, f.start.character, f.end.line, f.end.character));
  }

  /** One line per file in the output channel, logged again only when it changes: its findings, and why the other values it recognised get none. */
  private logSummary(doc: vscode.TextDocument, result: { findings: Finding[]; notes: Note[] }): void {
    const line = this.bundle.silenceSummary(vscode.workspace.asRelativePath(doc.uri, false), result);
    if (!line || this.summaries.get(doc.uri.toString()) === line) return;
    this.summaries.set(doc.uri.toString(), line);
    this.log.info(line);
  }

  /** Why a recognised value gets no advice: a bucket's region, the cleanest region already, a tokenizer-only load; the smaller models and what they lose. */
  private noteHover(doc: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const n = this.noteAt(doc, position);
    if (!n) return undefined;
    const md = new vscode.MarkdownString('', true);
    md.isTrusted = { enabledCommands: ['carbonlens.compareModels'] };
    md.appendMarkdown(`**CarbonLens**: ${n.message}\n\n`);
    const alternatives = n.alternatives;
    for (const a of alternatives.slice(0, 8)) md.appendMarkdown(`- ${a.line}\n`);
    if (alternatives.length > 8) md.appendMarkdown(`- and ${alternatives.length - 8} more\n`);
    const first = alternatives.find((a) => a.task);
    const compare = first && this.compareAction(n.value, first.id, first.task);
    if (compare?.command && !compare.disabled)
      md.appendMarkdown(
        `\n[Compare on my data](command:carbonlens.compareModels?${encodeURIComponent(JSON.stringify(compare.command.arguments))} "${compare.title}")\n`,
      );
    return new vscode.Hover(md, new vscode.Range(n.start.line, n.start.character, n.end.line, n.end.character));
  }

  override dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    super.dispose();
  }
}
