export function prometheusBinaries(ROOT: string): { prometheus: string; nodeExporter: string };
export function installPrometheus(ROOT: string, log?: (line: string) => void): string | undefined;
