import { CrossingTracker } from '../../features/notices/notices';
import type { Level } from '../../model/levels';

function feed(levels: Level[]) {
  const tracker = new CrossingTracker();
  return levels.map(level => tracker.update(level));
}

describe('CrossingTracker', () => {
  it('fires once per crossing, not on every event', () => {
    expect(feed(['ok', 'ok', 'warning', 'warning', 'warning'])).toEqual([
      null,
      null,
      'warning',
      null,
      null
    ]);
  });

  it('fires for warning, then for critical', () => {
    expect(feed(['warning', 'critical', 'critical'])).toEqual([
      'warning',
      'critical',
      null
    ]);
  });

  it('jumping straight to critical fires once', () => {
    expect(feed(['ok', 'critical', 'warning'])).toEqual([
      null,
      'critical',
      null
    ]);
  });

  it('re-arms after a recovery', () => {
    expect(
      feed(['warning', 'ok', 'warning', 'critical', 'warning', 'critical'])
    ).toEqual(['warning', null, 'warning', 'critical', null, 'critical']);
  });
});
