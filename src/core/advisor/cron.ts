// Cron schedules, as far as the advisor reads them: five fields, and a job at a fixed minute of a
// fixed hour (`30 2 * * *`, `0 3 * * 1-5`) is one it can move to a cleaner hour. Anything else
// (steps, lists or ranges of hours, @daily, six fields) is left alone.

export interface CronTime {
  minute: number;
  hour: number;
  /** The day-of-month, month and day-of-week fields, kept as written. */
  rest: string;
}

const FIELD = /^[\d*,/-]+$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

/** Five cron fields, or undefined; `fixed` when minute and hour are single numbers. */
export function parseCron(text: string): { fields: string[]; fixed?: CronTime } | undefined {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => FIELD.test(f))) return undefined;
  const [m, h, ...rest] = fields as [string, string, string, string, string];
  const minute = /^\d{1,2}$/.test(m) ? Number(m) : Number.NaN;
  const hour = /^\d{1,2}$/.test(h) ? Number(h) : Number.NaN;
  if (/^\d+$/.test(m) && !(minute <= 59)) return undefined;
  if (/^\d+$/.test(h) && !(hour <= 23)) return undefined;
  return {
    fields,
    ...(Number.isInteger(minute) && Number.isInteger(hour) && { fixed: { minute, hour, rest: rest.join(' ') } }),
  };
}
