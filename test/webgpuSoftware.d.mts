type Lavapipe = { env: Record<string, string>; skip?: undefined } | { skip: string; env?: undefined };
export function lavapipeEnv(root: string): Lavapipe;
export function installLavapipe(root: string, log?: (line: string) => void): Lavapipe;
