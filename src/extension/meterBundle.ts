// The meter and its sources as a bundle of their own (dist/meter.js), loaded after activation:
// the CPU TDP table alone is 140 KB that activation should not have to read.
export { Meter } from '../core/energy/meter';
export { openEnergySources } from '../core/energy/openSources';
export { GpuSelectionError, gpuRequest } from '../core/energy/gpuSelection';
