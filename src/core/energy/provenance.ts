/**
 * How a figure was obtained. Every number that reaches a person carries one of these.
 * - measured: read from a hardware energy counter around a window.
 * - sampled: power readings multiplied by the time between them.
 * - estimated: a model (TDP x load, watts per GB of RAM), no hardware reading at all.
 */
export type Provenance = 'measured' | 'sampled' | 'estimated';

export type Component = 'gpu' | 'cpu' | 'ram';
