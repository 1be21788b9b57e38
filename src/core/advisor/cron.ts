// Cron schedules, as far as the advisor reads them: five fields, and a job at a fixed minute of a
// fixed hour (`30 2 * * *`, `0 3 * * 1-5`) is one it can move to a cleaner hour. Anything else
// (steps, lists or ranges of hours, @daily, six fields) is left alone, and so is a schedule with
// a field out of its range (`30 12 32 13 8`): cron would refuse it. A schedule's hour is in its
// time zone (see cronZone); the typical day it is compared with is in UTC.

export interface CronTime {
  minute: number;
  hour: number;
  /** The day-of-month, month and day-of-week fields, kept as written. */
  rest: string;
}

const FIELD = /^[\d*,/-]+$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/** Each field's range: minute, hour, day of month, month, day of week (0 and 7 are Sunday). */
const RANGES: readonly [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/** Whether every number of a field (in lists, ranges and steps) lies in its range. */
function inRange(field: string, [min, max]: readonly [number, number]): boolean {
  if (/^[A-Za-z]/.test(field)) return true; // JAN, MON-FRI
  return field.split(',').every((part) => {
    const [span, step] = part.split('/');
    if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1)) return false;
    if (span === '*') return true;
    const ends = span!.split('-');
    if (ends.length > 2 || !ends.every((e) => /^\d+$/.test(e))) return false;
    const [a, b = a] = ends.map(Number) as [number, number?];
    return a >= min && b! <= max && a <= b!;
  });
}

/** Five cron fields, or undefined; `fixed` when minute and hour are single numbers. */
export function parseCron(text: string): { fields: string[]; fixed?: CronTime } | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => FIELD.test(f))) return undefined;
  if (!fields.every((f, i) => inRange(f, RANGES[i]!))) return undefined;
  const [m, h, ...rest] = fields as [string, string, string, string, string];
  const minute = /^\d{1,2}$/.test(m) ? Number(m) : Number.NaN;
  const hour = /^\d{1,2}$/.test(h) ? Number(h) : Number.NaN;
  return {
    fields,
    ...(Number.isInteger(minute) && Number.isInteger(hour) && { fixed: { minute, hour, rest: rest.join(' ') } }),
  };
}

/** The time zone a schedule runs in, its offset from UTC now, and, when not stated, what was assumed. */
export interface CronZone {
  zone: string;
  /** Minutes ahead of UTC at the time of the advice (daylight saving moves it). */
  offsetMinutes: number;
  /** Where the zone comes from, when the file does not state it. */
  assumed?: string;
}

/** Minutes `zone` is ahead of UTC at `at`; undefined for a zone name Intl does not know. */
export function zoneOffset(zone: string, at = new Date()): number | undefined {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    }).formatToParts(at);
  } catch {
    return undefined;
  }
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return Math.round((local - (at.getTime() - (at.getTime() % 60_000))) / 60_000);
}

const zoneOf = (zone: string, at: Date, assumed?: string): CronZone | undefined => {
  const offsetMinutes = zoneOffset(zone, at);
  return offsetMinutes === undefined ? undefined : { zone, offsetMinutes, ...(assumed && { assumed }) };
};

/**
 * The zone of the schedule at `offset` in `text`: a crontab line's zone is the last `CRON_TZ=`
 * or `TZ=` line above it, else the machine's local time (assumed to be `localZone`, and said);
 * a Kubernetes CronJob's (`schedule:`) is its `timeZone:`, else the controller's (assumed UTC,
 * and said); GitHub Actions' `cron:` is UTC. Undefined for a zone name that is not one: no advice.
 */
export function cronZone(
  text: string,
  offset: number,
  key: string,
  localZone = Intl.DateTimeFormat().resolvedOptions().timeZone,
  at = new Date(),
): CronZone | undefined {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const crontabLine = text.slice(lineStart, offset).trim() === '';
  if (crontabLine && key === 'cron') {
    const above = [...text.slice(0, lineStart).matchAll(/^[ \t]*(?:CRON_TZ|TZ)[ \t]*=[ \t]*["']?([^"'\s#]+)/gm)];
    const stated = above.at(-1)?.[1];
    if (stated) return zoneOf(stated, at);
    return zoneOf(
      localZone,
      at,
      `a crontab runs in its machine's local time: assumed to be this machine's, ${localZone}; state it with a CRON_TZ= line`,
    );
  }
  if (/^schedule$/i.test(key)) {
    // The YAML document that holds the schedule (files may hold several, split by ---).
    const starts = [...text.matchAll(/^---/gm)].map((m) => m.index!).filter((i) => i <= offset);
    const from = starts.at(-1) ?? 0;
    const next = text.slice(from + 3).search(/^---/m);
    const doc = text.slice(from, next < 0 ? undefined : from + 3 + next);
    const stated = /^[ \t]*timeZone:[ \t]*["']?([^"'\s#]+)/m.exec(doc)?.[1];
    if (stated) return zoneOf(stated, at);
    return zoneOf(
      'UTC',
      at,
      "a CronJob without spec.timeZone runs in the controller's local time: assumed UTC; state it with spec.timeZone",
    );
  }
  return zoneOf('UTC', at); // GitHub Actions: always UTC
}

const DAY = 24 * 60;
const mod = (n: number, m: number) => ((n % m) + m) % m;

/** A schedule's hour and minute in its zone, as UTC: the hour of the typical day to compare with. */
export function toUtc(time: Pick<CronTime, 'hour' | 'minute'>, zone: CronZone): { hour: number; minute: number } {
  const m = mod(time.hour * 60 + time.minute - zone.offsetMinutes, DAY);
  return { hour: Math.floor(m / 60), minute: m % 60 };
}

/** A UTC hour and minute as the schedule's zone writes them. */
export function fromUtc(time: { hour: number; minute: number }, zone: CronZone): { hour: number; minute: number } {
  const m = mod(time.hour * 60 + time.minute + zone.offsetMinutes, DAY);
  return { hour: Math.floor(m / 60), minute: m % 60 };
}
