/**
 * Fake Slack (Web API + Slack's side of the app's endpoint) for end-to-end tests. See
 * fake-slack/server.ts for the model and fake-slack/requests.ts for the signed requests.
 *
 *   const slack = await startFakeSlack();
 *   // start the service with SLACK_API_URL=slack.apiUrl, SLACK_BOT_TOKEN=slack.botToken,
 *   // SLACK_SIGNING_SECRET=slack.signingSecret, then:
 *   slack.connect(`http://127.0.0.1:${port}/slack/events`);
 *   await slack.runCommand(user, channel, 'tugas');
 */
import { FakeSlack, type FakeSlackOptions } from './fake-slack/server.js';

export function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  return FakeSlack.listen(options);
}

export { FakeSlack, blocksText, buttonsOf } from './fake-slack/server.js';
export type { Block, ButtonElement, Delivery, FakeChannel, FakeSlackOptions, SlackUser, StoredMessage, StoredView } from './fake-slack/server.js';
export type { Tamper } from './fake-slack/requests.js';
