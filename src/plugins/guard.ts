/**
 * The work guard: warns before the credits run out and saves open
 * documents in time. Its code (startguard.ts) loads with the first balance.
 */
import { latePlugin } from './late';

export const guardPlugin = latePlugin({
  id: 'jupyterlab-hub-credits:guard',
  description: 'Warns before credits run out and saves open documents in time.',
  load: () => import('../features/guard').then(m => m.startGuard)
});
