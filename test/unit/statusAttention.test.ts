import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusAttention } from '../../src/extension/statusAttention';

describe('the status item asks for attention only when something needs action', { timeout: 30_000 }, () => {
  it('stays neutral on a machine without power counters: estimated power is normal there', () => {
    assert.equal(
      statusAttention({ estimatesOnly: true, notes: ['RAPL: not present (no powercap in sysfs)'] }),
      undefined,
    );
    assert.equal(statusAttention({ estimatesOnly: true }), undefined);
    assert.equal(statusAttention({ estimatesOnly: false }), undefined);
  });

  it('warns when a counter is here but this user cannot read it', () => {
    const a = statusAttention({
      estimatesOnly: true,
      notes: ['RAPL: permission denied on /sys/class/powercap/intel-rapl:0/energy_uj'],
    });
    assert.equal(a?.kind, 'counter-unreadable');
    // Once a counter is read, it is not a problem any more.
    assert.equal(statusAttention({ estimatesOnly: false, notes: ['RAPL: permission denied'] }), undefined);
  });

  it('warns when the location set gives no figure, and says why', () => {
    const a = statusAttention({ estimatesOnly: false, intensityProblem: "No place named 'Atlantis'." });
    assert.equal(a?.kind, 'location-unresolved');
    assert.match(a!.text, /Atlantis/);
  });
});
