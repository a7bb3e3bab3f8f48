/**
 * Values several specs share.
 */
import type { IHubLocation } from '../../client/location';

/**
 * alice's default server on a hub at `/hub/`, seen by alice.
 */
export const HUB: IHubLocation = {
  host: '',
  prefix: '/hub/',
  user: 'alice',
  serverName: '',
  viewer: 'alice',
  baseUrl: '/user/alice/'
};
