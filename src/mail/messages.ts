// The words of invitation mails in the languages the web face speaks (en, de, fr, ja). A mail is
// written in its sender's language (users.locale); the event's own text (title, place,
// description) is never translated. Every value inserted here is plain text: compose.ts escapes
// it for HTML and cleans it for headers.

export type MailLocale = 'en' | 'de' | 'fr' | 'ja';

export const MAIL_LOCALES: readonly MailLocale[] = ['en', 'de', 'fr', 'ja'];

/** The participation answers a mail names (RFC 5545 PARTSTAT for VEVENT). */
export type Partstat = 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'NEEDS-ACTION' | 'DELEGATED';

export interface MailMessages {
  /** Intl locale used for dates and times. */
  readonly intl: string;
  subject: {
    invitation(title: string): string;
    updated(title: string): string;
    cancelled(title: string): string;
    /** A reply, by the answer it carries. */
    reply(partstat: string, title: string): string;
  };
  /** The sentence that opens the body. */
  lead: {
    invitation(organizer: string): string;
    updated(organizer: string): string;
    cancelled(organizer: string): string;
    reply(attendee: string, partstat: string): string;
  };
  labels: {
    title: string;
    when: string;
    utc: string;
    allDay: string;
    repeats: string;
    where: string;
    link: string;
    organizer: string;
    attendees: string;
    description: string;
    comment: string;
    status: string;
  };
  partstat(p: string): string;
  /** How often a series repeats, from the RRULE's FREQ (the rule itself follows in parentheses). */
  frequency(freq: string): string;
  answer: {
    /** Above the answer link. */
    prompt: string;
    /** The answer link's text in HTML. */
    button: string;
  };
  /** The line that says the attached invitation works in calendar programs. */
  attachment: string;
  /** The footer: who sent this mail and why. */
  footer(organizer: string): string;
  /** No title in the event. */
  untitled: string;
}

const en: MailMessages = {
  intl: 'en-GB',
  subject: {
    invitation: (t) => `Invitation: ${t}`,
    updated: (t) => `Updated invitation: ${t}`,
    cancelled: (t) => `Cancelled: ${t}`,
    reply: (p, t) => `${{ ACCEPTED: 'Accepted', DECLINED: 'Declined', TENTATIVE: 'Tentative', DELEGATED: 'Delegated' }[p] ?? 'Reply'}: ${t}`,
  },
  lead: {
    invitation: (o) => `${o} invites you to an event.`,
    updated: (o) => `${o} has changed an event you are invited to.`,
    cancelled: (o) => `${o} has cancelled this event.`,
    reply: (a, p) =>
      ({
        ACCEPTED: `${a} has accepted the invitation.`,
        DECLINED: `${a} has declined the invitation.`,
        TENTATIVE: `${a} might attend (tentative).`,
        DELEGATED: `${a} has delegated the invitation.`,
      })[p] ?? `${a} has answered the invitation.`,
  },
  labels: {
    title: 'Event',
    when: 'When',
    utc: 'In UTC',
    allDay: 'all day',
    repeats: 'Repeats',
    where: 'Where',
    link: 'Link',
    organizer: 'Organizer',
    attendees: 'Attendees',
    description: 'Description',
    comment: 'Comment',
    status: 'Status',
  },
  partstat: (p) => ({ ACCEPTED: 'accepted', DECLINED: 'declined', TENTATIVE: 'tentative', DELEGATED: 'delegated' })[p] ?? 'no answer yet',
  frequency: (f) => ({ SECONDLY: 'every second', MINUTELY: 'every minute', HOURLY: 'hourly', DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly', YEARLY: 'yearly' })[f] ?? 'yes',
  answer: { prompt: 'Answer without signing in:', button: 'Accept, decline or answer maybe' },
  attachment: 'The invitation is attached; your calendar program can add it and answer it.',
  footer: (o) => `Sent by Calendula on behalf of ${o}. Replies to this mail go to the organizer.`,
  untitled: '(no title)',
};

const de: MailMessages = {
  intl: 'de-DE',
  subject: {
    invitation: (t) => `Einladung: ${t}`,
    updated: (t) => `Aktualisierte Einladung: ${t}`,
    cancelled: (t) => `Abgesagt: ${t}`,
    reply: (p, t) => `${{ ACCEPTED: 'Angenommen', DECLINED: 'Abgelehnt', TENTATIVE: 'Vorläufig', DELEGATED: 'Delegiert' }[p] ?? 'Antwort'}: ${t}`,
  },
  lead: {
    invitation: (o) => `${o} lädt Sie zu einem Termin ein.`,
    updated: (o) => `${o} hat einen Termin geändert, zu dem Sie eingeladen sind.`,
    cancelled: (o) => `${o} hat diesen Termin abgesagt.`,
    reply: (a, p) =>
      ({
        ACCEPTED: `${a} hat die Einladung angenommen.`,
        DECLINED: `${a} hat die Einladung abgelehnt.`,
        TENTATIVE: `${a} nimmt vielleicht teil (vorläufig).`,
        DELEGATED: `${a} hat die Einladung weitergegeben.`,
      })[p] ?? `${a} hat auf die Einladung geantwortet.`,
  },
  labels: {
    title: 'Termin',
    when: 'Wann',
    utc: 'In UTC',
    allDay: 'ganztägig',
    repeats: 'Wiederholung',
    where: 'Wo',
    link: 'Link',
    organizer: 'Organisator',
    attendees: 'Teilnehmer',
    description: 'Beschreibung',
    comment: 'Kommentar',
    status: 'Status',
  },
  partstat: (p) => ({ ACCEPTED: 'zugesagt', DECLINED: 'abgesagt', TENTATIVE: 'vorläufig', DELEGATED: 'weitergegeben' })[p] ?? 'noch keine Antwort',
  frequency: (f) => ({ SECONDLY: 'jede Sekunde', MINUTELY: 'jede Minute', HOURLY: 'stündlich', DAILY: 'täglich', WEEKLY: 'wöchentlich', MONTHLY: 'monatlich', YEARLY: 'jährlich' })[f] ?? 'ja',
  answer: { prompt: 'Ohne Anmeldung antworten:', button: 'Zusagen, absagen oder vielleicht' },
  attachment: 'Die Einladung ist angehängt; Ihr Kalenderprogramm kann sie übernehmen und beantworten.',
  footer: (o) => `Von Calendula im Auftrag von ${o} gesendet. Antworten auf diese Mail gehen an den Organisator.`,
  untitled: '(ohne Titel)',
};

const fr: MailMessages = {
  intl: 'fr-FR',
  subject: {
    invitation: (t) => `Invitation : ${t}`,
    updated: (t) => `Invitation mise à jour : ${t}`,
    cancelled: (t) => `Annulé : ${t}`,
    reply: (p, t) => `${{ ACCEPTED: 'Accepté', DECLINED: 'Refusé', TENTATIVE: 'Provisoire', DELEGATED: 'Délégué' }[p] ?? 'Réponse'} : ${t}`,
  },
  lead: {
    invitation: (o) => `${o} vous invite à un événement.`,
    updated: (o) => `${o} a modifié un événement auquel vous êtes invité.`,
    cancelled: (o) => `${o} a annulé cet événement.`,
    reply: (a, p) =>
      ({
        ACCEPTED: `${a} a accepté l’invitation.`,
        DECLINED: `${a} a refusé l’invitation.`,
        TENTATIVE: `${a} participera peut-être (provisoire).`,
        DELEGATED: `${a} a délégué l’invitation.`,
      })[p] ?? `${a} a répondu à l’invitation.`,
  },
  labels: {
    title: 'Événement',
    when: 'Quand',
    utc: 'En UTC',
    allDay: 'toute la journée',
    repeats: 'Répétition',
    where: 'Où',
    link: 'Lien',
    organizer: 'Organisateur',
    attendees: 'Participants',
    description: 'Description',
    comment: 'Commentaire',
    status: 'Statut',
  },
  partstat: (p) => ({ ACCEPTED: 'accepté', DECLINED: 'refusé', TENTATIVE: 'provisoire', DELEGATED: 'délégué' })[p] ?? 'pas encore de réponse',
  frequency: (f) => ({ SECONDLY: 'chaque seconde', MINUTELY: 'chaque minute', HOURLY: 'toutes les heures', DAILY: 'tous les jours', WEEKLY: 'toutes les semaines', MONTHLY: 'tous les mois', YEARLY: 'tous les ans' })[f] ?? 'oui',
  answer: { prompt: 'Répondre sans se connecter :', button: 'Accepter, refuser ou peut-être' },
  attachment: 'L’invitation est jointe ; votre agenda peut l’ajouter et y répondre.',
  footer: (o) => `Envoyé par Calendula pour le compte de ${o}. Les réponses à ce message vont à l’organisateur.`,
  untitled: '(sans titre)',
};

const ja: MailMessages = {
  intl: 'ja-JP',
  subject: {
    invitation: (t) => `招待: ${t}`,
    updated: (t) => `更新された招待: ${t}`,
    cancelled: (t) => `キャンセル: ${t}`,
    reply: (p, t) => `${{ ACCEPTED: '承諾', DECLINED: '辞退', TENTATIVE: '仮承諾', DELEGATED: '委任' }[p] ?? '返信'}: ${t}`,
  },
  lead: {
    invitation: (o) => `${o} さんから予定への招待が届きました。`,
    updated: (o) => `${o} さんが、招待されている予定を変更しました。`,
    cancelled: (o) => `${o} さんがこの予定をキャンセルしました。`,
    reply: (a, p) =>
      ({
        ACCEPTED: `${a} さんが招待を承諾しました。`,
        DECLINED: `${a} さんが招待を辞退しました。`,
        TENTATIVE: `${a} さんが仮承諾しました。`,
        DELEGATED: `${a} さんが招待を委任しました。`,
      })[p] ?? `${a} さんが招待に返信しました。`,
  },
  labels: {
    title: '予定',
    when: '日時',
    utc: 'UTC',
    allDay: '終日',
    repeats: '繰り返し',
    where: '場所',
    link: 'リンク',
    organizer: '主催者',
    attendees: '参加者',
    description: '説明',
    comment: 'コメント',
    status: '状態',
  },
  partstat: (p) => ({ ACCEPTED: '承諾', DECLINED: '辞退', TENTATIVE: '仮承諾', DELEGATED: '委任' })[p] ?? '未回答',
  frequency: (f) => ({ SECONDLY: '毎秒', MINUTELY: '毎分', HOURLY: '毎時', DAILY: '毎日', WEEKLY: '毎週', MONTHLY: '毎月', YEARLY: '毎年' })[f] ?? 'あり',
  answer: { prompt: 'サインインせずに返信:', button: '承諾・辞退・未定を選ぶ' },
  attachment: '招待状が添付されています。カレンダーアプリで追加や返信ができます。',
  footer: (o) => `このメールは ${o} さんに代わって Calendula が送信しました。このメールへの返信は主催者に届きます。`,
  untitled: '(タイトルなし)',
};

const ALL: Record<MailLocale, MailMessages> = { en, de, fr, ja };

/** The language of a users.locale value ('de', 'de-AT', 'fr_CA' …); English when none matches. */
export function mailLocale(locale: string | null | undefined): MailLocale {
  const lang = (locale ?? '').trim().toLowerCase().split(/[-_]/)[0] ?? '';
  return (MAIL_LOCALES as readonly string[]).includes(lang) ? (lang as MailLocale) : 'en';
}

export function messagesFor(locale: string | null | undefined): MailMessages {
  return ALL[mailLocale(locale)];
}
