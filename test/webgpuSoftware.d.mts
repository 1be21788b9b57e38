export function lavapipeEnv(root: string, log?: (line: string) => void): { env: Record<string, string>; skip?: undefined } | { skip: string; env?: undefined };
