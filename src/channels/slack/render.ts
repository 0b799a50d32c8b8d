/**
 * Slack's rendering of the shared card model (Block Kit), and the app's modals and Home tab.
 * Pure: data in, Block Kit out.
 */
import type { types } from '@slack/bolt';
import { ACTION_LABEL, brief, BUTTON, CARD, SLACK } from '../../messages/id.js';
import type { Card } from '../../messages/card.js';
import { SLACK_PICKER } from '../../messages/security.js';
import { encodePress } from './action-value.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** Slack's own limits: section text 3000, plain text in buttons 75, modal titles 24. */
const MAX_SECTION = 2900;
const MAX_BUTTON = 75;
const MAX_TITLE = 24;
const MAX_OPTION = 75;

/** mrkdwn treats only &, < and > specially in text (links, mentions). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
/** Escaped mrkdwn cut like `cut`, but never through an escape (`&am…` would show as typed). */
export const cutMrkdwn = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…` : text);
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text: cutMrkdwn(text, MAX_SECTION) } });
const plain = (text: string, max = MAX_BUTTON) => ({ type: 'plain_text' as const, text: cut(text, max), emoji: true });

/** The notification text: mrkdwn too (Slack parses mentions and links in it), so escaped like the blocks. */
export function renderCardText(card: Card): string {
  return escapeMrkdwn(SLACK.cardFallback(card.caseRef, CARD.step(card.step.id, card.step.index, card.step.total, card.step.visit), card.step.kegiatan));
}

export function renderCardBlocks(card: Card): KnownBlock[] {
  const e = escapeMrkdwn;
  const blocks: KnownBlock[] = [];
  blocks.push(section(`📋 *${e(card.caseRef)}* · ${e(card.caseTitle)}\n_${e(card.sopName)}_`));

  const head = [
    `*${e(CARD.step(card.step.id, card.step.index, card.step.total, card.step.visit))}*`,
    e(card.step.kegiatan),
    `👤 ${CARD.pelaksana}: ${e(card.roles.join(' + '))}`,
  ];
  if (card.roleInferred) head.push(`_${CARD.roleInferred}_`);
  if (card.returnReason) head.push(`↩️ ${CARD.returned}: _${e(card.returnReason)}_`);
  blocks.push(section(head.join('\n')));

  const docs: string[] = [];
  if (card.kelengkapan.length) {
    docs.push(`📎 *${CARD.kelengkapan}:*`);
    for (const k of card.kelengkapan) {
      docs.push(`${k.present ? '✅' : '⬜'} ${e(k.name)}${k.documents.length ? ` (${e(k.documents.map((d) => d.fileName).join(', '))})` : ''}`);
    }
  }
  if (card.outputs.length) {
    docs.push(`📤 *${CARD.output}:*`);
    for (const o of card.outputs) {
      if (!o.document) docs.push(`• ${e(o.name)} (${CARD.notDocument})`);
      else docs.push(`${o.uploaded.length ? '✅' : '⬜'} ${e(o.name)}: ${o.uploaded.length ? e(o.uploaded.map((d) => d.fileName).join(', ')) : CARD.missing}`);
    }
  }
  if (docs.length) blocks.push(section(docs.join('\n')));

  const time = [
    `⏱ ${CARD.waktu}: ${e(card.waktu)}`,
    `📅 ${CARD.due}: ${card.due ? e(card.due) : card.dueToBeSet ? CARD.dueToBeSet : CARD.noDue}`,
  ];
  if (card.keterangan) time.push(`ℹ️ ${CARD.keterangan}: ${e(card.keterangan)}`);
  if (card.confirmations.length) time.push(`☑️ ${CARD.confirmed}: ${e(card.confirmations.map((c) => `${c.role} (${c.by})`).join(', '))}`);
  blocks.push(section(time.join('\n')));

  if (card.outcome) {
    const o = card.outcome;
    const lines = [`*${e(CARD.outcome(ACTION_LABEL[o.action], o.by, o.at))}*`];
    if (o.branch) lines.push(`${CARD.branch}: ${e(o.branch)}`);
    if (o.comment) lines.push(`${o.action === 'returned' ? CARD.reason : CARD.note}: _${e(o.comment)}_`);
    blocks.push(section(lines.join('\n')));
  }

  const context = [SLACK.sopFooter(card.sopNomor)];
  if (!card.outcome && card.actions.length && card.outputs.some((o) => o.document && !o.uploaded.length)) context.unshift(SLACK.uploadHint);
  blocks.push({ type: 'context', elements: context.map((t) => ({ type: 'mrkdwn' as const, text: e(t) })) });

  const buttons = renderCardButtons(card);
  // The menu (⋮) beside the buttons while the card can be acted on: where the case stands, and
  // the SOP's sheet. A closed card loses both with its buttons.
  if (buttons.length) blocks.push({ type: 'actions', block_id: 'task_actions', elements: [...buttons.slice(0, 24), cardMenu(card.caseId)] });
  return blocks;
}

function cardMenu(caseId: number): types.Overflow {
  const option = (text: string, press: Parameters<typeof encodePress>[0]) => ({ text: plain(text), value: encodePress(press).value });
  return {
    type: 'overflow',
    action_id: 'file:menu',
    options: [option(SLACK.positionOption, { kind: 'position', caseId }), option(SLACK.sheetOption, { kind: 'case-sheet', caseId })],
  };
}

/** 📍 Posisi under a closed case's notice: the case's picture, as a card's menu gives it. */
export function renderClosedNotice(text: string, caseId: number): KnownBlock[] {
  const { actionId, value } = encodePress({ kind: 'position', caseId });
  return [section(text), { type: 'actions', block_id: 'case_closed', elements: [{ type: 'button', text: plain(`📍 ${BUTTON.position}`), action_id: actionId, value }] }];
}

/** /sop katalog: each SOP with a button that sends its sheet into the channel (Slack allows 50 blocks). */
export function renderCatalogBlocks(title: string, sops: { line: string; sopIndex: number }[]): KnownBlock[] {
  const shown = sops.slice(0, 48);
  const blocks: KnownBlock[] = [section(title)];
  for (const sop of shown) {
    const { actionId, value } = encodePress({ kind: 'sheet', sopIndex: sop.sopIndex });
    blocks.push({ ...section(sop.line), accessory: { type: 'button', text: plain(SLACK.sheetButton), action_id: actionId, value } } as KnownBlock);
  }
  if (sops.length > shown.length) blocks.push(section(escapeMrkdwn(SLACK.catalogMore(sops.length - shown.length))));
  return blocks;
}

function renderCardButtons(card: Card): Button[] {
  const button = (text: string, press: Parameters<typeof encodePress>[0], style?: 'primary' | 'danger'): Button => {
    const { actionId, value } = encodePress(press);
    return { type: 'button', text: plain(text), action_id: actionId, value, ...(style ? { style } : {}) };
  };
  const task = { kind: 'task' as const, taskId: card.taskId, version: card.taskVersion };
  const buttons: Button[] = [];
  for (const a of card.actions) {
    switch (a.type) {
      case 'complete':
        buttons.push(button(`✅ ${BUTTON.complete}`, { ...task, action: 'complete' }, 'primary'));
        break;
      case 'approve':
        buttons.push(button(`✅ ${BUTTON.approve}`, { ...task, action: 'approve' }, 'primary'));
        break;
      case 'return':
        buttons.push(button(`↩️ ${BUTTON.return}`, { ...task, action: 'return' }));
        break;
      case 'confirm':
        buttons.push(button(`☑️ ${BUTTON.confirm}`, { ...task, action: 'confirm' }, 'primary'));
        break;
      case 'choose':
        buttons.push(button(a.branch, { ...task, action: 'choose', branchIndex: a.index }));
        break;
      case 'set-due':
        buttons.push(button(`📅 ${BUTTON.setDue}`, { ...task, action: 'set-due' }));
        break;
    }
  }
  return buttons.slice(0, 25);
}

/** The question "which document is this?" under an upload, one button per slot. */
export function renderSlotQuestion(fileName: string, promptId: number, slots: { name: string }[]): KnownBlock[] {
  return [
    section(`${escapeMrkdwn(SLACK.chooseSlot)} _${escapeMrkdwn(fileName)}_`),
    {
      type: 'actions',
      block_id: 'upload_slot',
      elements: slots.map((s, i) => {
        const { actionId, value } = encodePress({ kind: 'slot', promptId, slotIndex: i });
        return { type: 'button' as const, text: plain(s.name), action_id: actionId, value };
      }),
    },
  ];
}

export const VIEW = {
  loading: 'loading',
  notice: 'notice',
  newCase: 'new_case',
  returnReason: 'return_reason',
  dueDate: 'due_date',
} as const;

export const INPUT = {
  sop: { block: 'sop', action: 'sop' },
  title: { block: 'title', action: 'title' },
  reason: { block: 'reason', action: 'reason' },
  due: { block: 'due', action: 'due' },
} as const;

/** What a modal shows while its content is being looked up. */
export function loadingModal(): types.ModalView {
  return { type: 'modal', callback_id: VIEW.loading, title: plain(SLACK.appName, MAX_TITLE), blocks: [section(SLACK.loading)] };
}

/** A modal that only says something (why there is no form), with a close button. */
export function noticeModal(text: string): types.ModalView {
  return { type: 'modal', callback_id: VIEW.notice, title: plain(SLACK.appName, MAX_TITLE), close: plain(SLACK.close, MAX_TITLE), blocks: [section(text)] };
}

/** A static_select holds 100 options, or 100 groups of 100: more SOPs than that are grouped, never dropped. */
const MAX_OPTIONS = 100;

export function newCaseModal(metadata: string, sops: { id: string; name: string }[], roles: string[]): types.ModalView {
  const options = sops.map((s) => ({ text: plain(s.name, MAX_OPTION), value: s.id }));
  const groups: { label: ReturnType<typeof plain>; options: typeof options }[] = [];
  for (let i = 0; options.length > MAX_OPTIONS && i < options.length; i += MAX_OPTIONS) {
    groups.push({ label: plain(SLACK_PICKER.group(i + 1, Math.min(i + MAX_OPTIONS, options.length))), options: options.slice(i, i + MAX_OPTIONS) });
  }
  return {
    type: 'modal',
    callback_id: VIEW.newCase,
    private_metadata: metadata,
    title: plain(SLACK.newCaseModal, MAX_TITLE),
    submit: plain(SLACK.start, MAX_TITLE),
    close: plain(SLACK.cancel, MAX_TITLE),
    blocks: [
      section(SLACK.newCaseIntro(roles.map(escapeMrkdwn))),
      {
        type: 'input',
        block_id: INPUT.sop.block,
        label: plain(SLACK.sopLabel),
        element: {
          type: 'static_select',
          action_id: INPUT.sop.action,
          placeholder: plain(SLACK.sopPlaceholder),
          ...(groups.length ? { option_groups: groups } : { options }),
          ...(options.length === 1 ? { initial_option: options[0] } : {}),
        },
      },
      {
        type: 'input',
        block_id: INPUT.title.block,
        label: plain(SLACK.titleLabel),
        element: { type: 'plain_text_input', action_id: INPUT.title.action, max_length: 200, placeholder: plain(SLACK.titlePlaceholder, 150) },
      },
    ],
  };
}

export function returnModal(metadata: string, caseRef: string, stepId: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.returnReason,
    private_metadata: metadata,
    title: plain(SLACK.returnModal, MAX_TITLE),
    submit: plain(BUTTON.return, MAX_TITLE),
    close: plain(SLACK.cancel, MAX_TITLE),
    blocks: [
      section(SLACK.returnIntro(escapeMrkdwn(caseRef), escapeMrkdwn(stepId))),
      {
        type: 'input',
        block_id: INPUT.reason.block,
        label: plain(SLACK.reasonLabel),
        element: { type: 'plain_text_input', action_id: INPUT.reason.action, multiline: true, max_length: 2000 },
      },
    ],
  };
}

export function dueModal(metadata: string, caseRef: string, stepId: string, zone: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: VIEW.dueDate,
    private_metadata: metadata,
    title: plain(SLACK.dueModal, MAX_TITLE),
    submit: plain(SLACK.save, MAX_TITLE),
    close: plain(SLACK.cancel, MAX_TITLE),
    blocks: [
      section(SLACK.dueIntro(escapeMrkdwn(caseRef), escapeMrkdwn(stepId), zone)),
      {
        type: 'input',
        block_id: INPUT.due.block,
        label: plain(SLACK.dueLabel),
        element: { type: 'plain_text_input', action_id: INPUT.due.action, placeholder: plain(SLACK.duePlaceholder) },
      },
    ],
  };
}

export interface HomeTask {
  caseRef: string;
  caseTitle: string;
  step: string;
  kegiatan: string;
  roles: string[];
  due: string | null;
  overdue: boolean;
}

/** Home views hold at most 100 blocks; the list stops well before. */
const HOME_TASKS = 40;

export function homeView(roles: string[], tasks: HomeTask[]): types.HomeView {
  const e = escapeMrkdwn;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(SLACK.home.title, 150) },
    section(`*${SLACK.home.rolesTitle}:* ${roles.length ? roles.map((r) => `*${e(r)}*`).join(', ') : ''}\n${roles.length ? '' : SLACK.home.noRoles}`.trim()),
    { type: 'context', elements: [{ type: 'mrkdwn', text: SLACK.home.rolesHow }] },
    { type: 'divider' },
    section(`*${SLACK.home.tasksTitle(tasks.length)}*`),
  ];
  if (!tasks.length && roles.length) blocks.push(section(SLACK.home.noTasks));
  for (const t of tasks.slice(0, HOME_TASKS)) {
    const due = t.due ? SLACK.home.due(e(t.due)) : CARD.noDue;
    blocks.push(
      section(
        [
          `${t.overdue ? `🔴 *${SLACK.home.overdue}* · ` : ''}*${e(t.caseRef)}* · ${e(brief(t.caseTitle, 200))}`,
          `${e(t.step)}: ${e(t.kegiatan)}`,
          `👤 ${e(t.roles.join(' + '))} · 📅 ${due}`,
        ].join('\n'),
      ),
    );
  }
  if (tasks.length > HOME_TASKS) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: SLACK.home.more(tasks.length - HOME_TASKS) }] });
  return { type: 'home', blocks };
}
