/**
 * Telegram's rendering of the shared card model: HTML text and an inline keyboard.
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'telegraf/types';
import { ACTION_LABEL, BUTTON, CARD } from '../../messages/id.js';
import type { Card } from '../../messages/card.js';
import { encodePress } from './callback-data.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Telegram refuses messages over 4096 characters; long SOP texts are cut, never the buttons. */
const MAX_TEXT = 4000;

/**
 * HTML cut to `max` characters as Telegram counts them (the text without its tags, an escape
 * as one character), ending in "…"; never inside a tag or an escape, every open tag closed.
 */
export function cutHtml(html: string, max: number): string {
  const pieces = [...html.matchAll(/<(\/?)([a-z-]+)[^>]*>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);|[\s\S]/giu)];
  // UTF-16 units, as Telegram counts: an emoji outside the BMP is two.
  const width = (p: RegExpMatchArray) => (p[0].startsWith('<') && p[2] ? 0 : p[0].startsWith('&') && p[0].length > 1 ? 1 : p[0].length);
  if (pieces.reduce((n, p) => n + width(p), 0) <= max) return html;
  let visible = 0;
  let out = '';
  const open: string[] = [];
  for (const p of pieces) {
    const w = width(p);
    if (visible + w > max - 1) break;
    visible += w;
    out += p[0];
    if (w === 0) {
      if (p[1]) open.pop();
      else open.push(p[2]!);
    }
  }
  return `${out}…${open.reverse().map((t) => `</${t}>`).join('')}`;
}

export function renderCardText(card: Card): string {
  const e = escapeHtml;
  const lines: string[] = [
    `📋 <b>${e(card.caseRef)}</b> · ${e(card.caseTitle)}`,
    `<i>${e(card.sopName)}</i>`,
    '',
    `<b>${e(CARD.step(card.step.id, card.step.index, card.step.total, card.step.visit))}</b>`,
    e(card.step.kegiatan),
    `👤 ${CARD.pelaksana}: ${e(card.roles.join(' + '))}`,
  ];
  if (card.roleInferred) lines.push(`<i>${CARD.roleInferred}</i>`);
  if (card.returnReason) lines.push(`↩️ ${CARD.returned}: <i>${e(card.returnReason)}</i>`);
  if (card.kelengkapan.length) {
    lines.push(`📎 ${CARD.kelengkapan}:`);
    for (const k of card.kelengkapan) {
      lines.push(`  ${k.present ? '✅' : '⬜'} ${e(k.name)}${k.documents.length ? ` (${e(k.documents.map((d) => d.fileName).join(', '))})` : ''}`);
    }
  }
  if (card.outputs.length) {
    lines.push(`📤 ${CARD.output}:`);
    for (const o of card.outputs) {
      if (!o.document) lines.push(`  • ${e(o.name)} (${CARD.notDocument})`);
      else lines.push(`  ${o.uploaded.length ? '✅' : '⬜'} ${e(o.name)}: ${o.uploaded.length ? e(o.uploaded.map((d) => d.fileName).join(', ')) : CARD.missing}`);
    }
  }
  lines.push(`⏱ ${CARD.waktu}: ${e(card.waktu)}`);
  lines.push(`📅 ${CARD.due}: ${card.due ? e(card.due) : card.dueToBeSet ? CARD.dueToBeSet : CARD.noDue}`);
  if (card.keterangan) lines.push(`ℹ️ ${CARD.keterangan}: ${e(card.keterangan)}`);
  if (card.confirmations.length) {
    lines.push(`☑️ ${CARD.confirmed}: ${e(card.confirmations.map((c) => `${c.role} (${c.by})`).join(', '))}`);
  }
  if (card.outcome) {
    const o = card.outcome;
    lines.push('', `<b>${e(CARD.outcome(ACTION_LABEL[o.action], o.by, o.at))}</b>`);
    if (o.branch) lines.push(`${CARD.branch}: ${e(o.branch)}`);
    if (o.comment) lines.push(`${o.action === 'returned' ? CARD.reason : CARD.note}: <i>${e(o.comment)}</i>`);
  } else if (card.actions.length && card.outputs.some((o) => o.document && !o.uploaded.length)) {
    lines.push('', `<i>${CARD.uploadHint}</i>`);
  }
  return cutHtml(lines.join('\n'), MAX_TEXT);
}

export function renderCardKeyboard(card: Card): InlineKeyboardMarkup {
  const press = (action: Exclude<Card['actions'][number]['type'], 'choose'>) =>
    encodePress({ kind: 'task', taskId: card.taskId, version: card.taskVersion, action });
  const rows: InlineKeyboardButton[][] = [];
  const forward: InlineKeyboardButton[] = [];
  for (const a of card.actions) {
    switch (a.type) {
      case 'complete':
        forward.push({ text: `✅ ${BUTTON.complete}`, callback_data: press('complete') });
        break;
      case 'approve':
        forward.push({ text: `✅ ${BUTTON.approve}`, callback_data: press('approve') });
        break;
      case 'return':
        forward.push({ text: `↩️ ${BUTTON.return}`, callback_data: press('return') });
        break;
      case 'confirm':
        forward.push({ text: `☑️ ${BUTTON.confirm}`, callback_data: press('confirm') });
        break;
      case 'choose':
        rows.push([
          {
            text: a.branch,
            callback_data: encodePress({ kind: 'task', taskId: card.taskId, version: card.taskVersion, action: 'choose', branchIndex: a.index }),
          },
        ]);
        break;
      case 'set-due':
        rows.push([{ text: `📅 ${BUTTON.setDue}`, callback_data: press('set-due') }]);
        break;
    }
  }
  // Where the case stands, while the card can still be acted on; a closed card loses every button.
  if (forward.length || rows.length) rows.push([positionButton(card.caseId)]);
  return { inline_keyboard: forward.length ? [forward, ...rows] : rows };
}

/** 📍 Posisi: the case drawn on its SOP's flowchart, sent as a photo through the outbox. */
export function positionButton(caseId: number): InlineKeyboardButton {
  return { text: `📍 ${BUTTON.position}`, callback_data: encodePress({ kind: 'position', caseId }) };
}
