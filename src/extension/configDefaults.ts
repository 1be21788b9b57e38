// The defaults of the `carbonlens.*` settings, written once: the code falls back to these, and a
// unit test checks that package.json declares the same (this file imports nothing from vscode).
export const CONFIG_DEFAULTS = {
  'statusBar.enabled': true,
  location: '',
  'intensity.dataset': 'latest',
  'intensity.live': false,
  pue: 1,
  'meter.intervalMs': 1000,
  'meter.ramModel': 'dimm',
  'hub.endpoint': '',
  'hub.offline': false,
  'cudaProvider.feed': 'https://api.nuget.org/v3/index.json',
  'runs.terminal': true,
  'runs.tasks': true,
  'runs.debug': true,
  'runs.notebooks': true,
  'runs.minDurationSeconds': 5,
  'runs.flashAfterSeconds': 30,
  'runs.storeCommandLines': false,
  'runs.attribution': 'process',
  cloudProvider: '',
  'telemetry.otlpEndpoint': '',
} as const;
