/**
 * Notifications: once per low-balance crossing, and once when the hub
 * stopped the server (saying why, and what was lost or saved). Their code
 * (startnotices.ts) loads with the first balance or the stop.
 */
import { latePlugin } from './late';

export const notificationsPlugin = latePlugin({
  id: 'jupyterlab-hub-credits:notifications',
  description:
    'Notifies when credits run low and when the hub stopped the server.',
  load: () => import('../features/notices').then(m => m.startNotices),
  orStop: true
});
