// Cron advice in the schedule's own time zone: CRON_TZ= / TZ= lines of a crontab, a CronJob's
// spec.timeZone; a plain crontab in its machine's local time (said to be assumed); fields out of
// range or a zone that is not one get no advice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advise } from '../../src/core/advisor/advise';
import { DEFAULT_ADVISOR_OPTIONS } from '../../src/core/advisor/suggest';

// The typical day: 04:00 UTC is the cleanest (120 g/kWh), 02:00 UTC the dirtiest (300), else 250.
const typicalDay = {
  source: 'test',
  location: 'Somewhere',
  from: '2026-11-01',
  to: '2026-12-01',
  hours: Array.from({ length: 24 }, (_, hour) => ({
    hour,
    mean: hour === 4 ? 120 : hour === 2 ? 300 : 250,
    low: 0,
    high: 0,
    n: 30,
  })),
};
const options = { ...DEFAULT_ADVISOR_OPTIONS, models: true, regions: true, typicalDay, localZone: 'UTC' };
const cronJob = (schedule: string, zone?: string) =>
  [
    'apiVersion: batch/v1',
    'kind: CronJob',
    'spec:',
    ...(zone ? [`  timeZone: ${zone}`] : []),
    `  schedule: "${schedule}"`,
  ].join('\n');

describe('cron advice and time zones', { timeout: 30_000 }, () => {
  // Asia/Tokyo is UTC+9 all year: 13:00 there is 04:00 UTC, the clean hour; 11:00 there is 02:00 UTC.
  for (const line of ['CRON_TZ=Asia/Tokyo', 'TZ=Asia/Tokyo']) {
    it(`a crontab with ${line} already at the clean hour gets no advice`, () => {
      assert.deepEqual(advise('crontab', `${line}\n0 13 * * * /usr/bin/job\n`, options), []);
    });
  }

  it('a crontab with CRON_TZ= at a dirty hour is moved in its own zone', () => {
    const [f] = advise('crontab', 'CRON_TZ=Asia/Tokyo\n0 11 * * * /usr/bin/job\n', options)!;
    assert.equal(f!.suggestion.replacement, '0 13 * * *');
    assert.match(f!.message, /starts at 11:00 Asia\/Tokyo \(02:00 UTC\).*at 13:00 Asia\/Tokyo \(04:00 UTC\)/);
  });

  it("a CronJob's spec.timeZone is its schedule's zone", () => {
    assert.deepEqual(advise('cronjob.yaml', cronJob('0 13 * * *', 'Asia/Tokyo'), options), []);
    const [f] = advise('cronjob.yaml', cronJob('0 11 * * *', '"Asia/Tokyo"'), options)!;
    assert.equal(f!.suggestion.replacement, '0 13 * * *');
  });

  it('a plain crontab runs in local time: the zone assumed is said', () => {
    const [f] = advise('crontab', '0 11 * * * /usr/bin/job\n', { ...options, localZone: 'Asia/Tokyo' })!;
    assert.equal(f!.suggestion.replacement, '0 13 * * *');
    assert.match(f!.message, /assumed to be this machine's, Asia\/Tokyo; state it with a CRON_TZ= line/);
  });

  it('a zone that is not one: no advice', () => {
    assert.deepEqual(advise('crontab', 'CRON_TZ=Mars/Olympus\n0 2 * * * /usr/bin/job\n', options), []);
  });

  for (const schedule of ['30 12 32 13 8', '0 2 * * 9', '0 2 0 * *', '0 2 * 0 *', '0 2 * * 1-9', '0 2 */0 * *']) {
    it(`fields out of range (${schedule}): no advice`, () => {
      assert.deepEqual(advise('w.yml', `on:\n  schedule:\n    - cron: '${schedule}'\n`, options), []);
      assert.deepEqual(advise('crontab', `${schedule} /usr/bin/job\n`, options), []);
    });
  }
});
