export function victoriaMetricsBinary(ROOT: string): string;
export function installVictoriaMetrics(ROOT: string, log?: (line: string) => void): string | undefined;
