// The events API's words in English, Japanese, German and French. Only our own texts are
// translated; what users typed (captions, addresses) is never changed.

export type Lang = 'en' | 'ja' | 'de' | 'fr';
export const LANGS: readonly Lang[] = ['en', 'ja', 'de', 'fr'];

type Text = Record<Lang, string>;

export const TITLES = {
  unauthorized: { en: 'Authentication required', ja: '認証が必要です', de: 'Anmeldung erforderlich', fr: 'Authentification requise' },
  forbidden: { en: 'Forbidden', ja: 'アクセスが拒否されました', de: 'Zugriff verweigert', fr: 'Accès refusé' },
  not_found: { en: 'Not found', ja: '見つかりません', de: 'Nicht gefunden', fr: 'Introuvable' },
  bad_request: { en: 'Bad request', ja: '不正なリクエストです', de: 'Ungültige Anfrage', fr: 'Requête invalide' },
  validation: { en: 'Validation failed', ja: '入力内容に誤りがあります', de: 'Validierung fehlgeschlagen', fr: 'La validation a échoué' },
  precondition: { en: 'Precondition failed', ja: '前提条件が満たされていません', de: 'Vorbedingung nicht erfüllt', fr: 'Précondition non remplie' },
  too_large: { en: 'Payload too large', ja: 'リクエストが大きすぎます', de: 'Anfrage zu groß', fr: 'Requête trop volumineuse' },
  conflict: { en: 'Conflict', ja: '競合が発生しました', de: 'Konflikt', fr: 'Conflit' },
  method: { en: 'Method not allowed', ja: '許可されていないメソッドです', de: 'Methode nicht erlaubt', fr: 'Méthode non autorisée' },
  server: { en: 'Internal server error', ja: 'サーバー内部エラー', de: 'Interner Serverfehler', fr: 'Erreur interne du serveur' },
} satisfies Record<string, Text>;

export const DETAILS = {
  no_token: {
    en: 'Send an API token in the Authorization header: Bearer <token>.',
    ja: 'Authorization ヘッダーで API トークンを送ってください: Bearer <token>。',
    de: 'Senden Sie ein API-Token im Authorization-Header: Bearer <token>.',
    fr: 'Envoyez un jeton d’API dans l’en-tête Authorization : Bearer <token>.',
  },
  bad_token: {
    en: 'The token is unknown, revoked or expired.',
    ja: 'トークンが不明、失効済み、または期限切れです。',
    de: 'Das Token ist unbekannt, widerrufen oder abgelaufen.',
    fr: 'Le jeton est inconnu, révoqué ou expiré.',
  },
  capability: {
    en: 'This needs the {capability} capability.',
    ja: 'この操作には {capability} 権限が必要です。',
    de: 'Dafür ist die Berechtigung {capability} nötig.',
    fr: 'Cette opération nécessite la capacité {capability}.',
  },
  read_only: {
    en: 'This calendar is shared with you read-only.',
    ja: 'このカレンダーは読み取り専用で共有されています。',
    de: 'Dieser Kalender ist nur lesend für Sie freigegeben.',
    fr: 'Ce calendrier est partagé avec vous en lecture seule.',
  },
  no_event: { en: 'There is no event with id {id}.', ja: 'ID {id} のイベントはありません。', de: 'Es gibt kein Ereignis mit der ID {id}.', fr: 'Il n’existe aucun événement avec l’identifiant {id}.' },
  no_route: { en: 'There is nothing at this address.', ja: 'このアドレスには何もありません。', de: 'Unter dieser Adresse gibt es nichts.', fr: 'Il n’y a rien à cette adresse.' },
  bad_json: { en: 'The body is not a valid JSON object.', ja: '本文が正しい JSON オブジェクトではありません。', de: 'Der Inhalt ist kein gültiges JSON-Objekt.', fr: 'Le corps n’est pas un objet JSON valide.' },
  bad_characters: {
    en: 'Text in the body cannot hold control character U+0000.',
    ja: '本文のテキストに制御文字 U+0000 を含めることはできません。',
    de: 'Text im Inhalt darf das Steuerzeichen U+0000 nicht enthalten.',
    fr: 'Le texte du corps ne peut pas contenir le caractère de contrôle U+0000.',
  },
  not_text: {
    en: 'The body must be UTF-8 JSON: {reason}.',
    ja: '本文は UTF-8 の JSON でなければなりません: {reason}。',
    de: 'Der Inhalt muss UTF-8-kodiertes JSON sein: {reason}.',
    fr: 'Le corps doit être du JSON en UTF-8 : {reason}.',
  },
  bad_type: { en: 'A field has the wrong type.', ja: '型が正しくないフィールドがあります。', de: 'Ein Feld hat den falschen Typ.', fr: 'Un champ a un type incorrect.' },
  bad_query: { en: 'A query parameter is not accepted.', ja: '受け付けられないクエリパラメーターがあります。', de: 'Ein Abfrageparameter wird nicht akzeptiert.', fr: 'Un paramètre de requête n’est pas accepté.' },
  rules: {
    en: 'The event breaks {count} rule(s).',
    ja: 'イベントに {count} 件の問題があります。',
    de: 'Das Ereignis verletzt {count} Regel(n).',
    fr: 'L’événement enfreint {count} règle(s).',
  },
  conflict: {
    en: 'The calendar changed while the event was written: {reason}',
    ja: 'イベントの書き込み中にカレンダーが変更されました: {reason}',
    de: 'Der Kalender hat sich geändert, während das Ereignis geschrieben wurde: {reason}',
    fr: 'Le calendrier a changé pendant l’écriture de l’événement : {reason}',
  },
  limit: {
    en: 'A limit of this server was reached: {reason}',
    ja: 'このサーバーの上限に達しました: {reason}',
    de: 'Eine Grenze dieses Servers wurde erreicht: {reason}',
    fr: 'Une limite de ce serveur a été atteinte : {reason}',
  },
  changed: {
    en: 'The event has changed since the ETag given in If-Match.',
    ja: 'If-Match の ETag 以降にイベントが変更されています。',
    de: 'Das Ereignis wurde seit dem ETag in If-Match geändert.',
    fr: 'L’événement a changé depuis l’ETag indiqué dans If-Match.',
  },
  too_large: { en: 'The body is larger than {max} bytes.', ja: '本文が {max} バイトを超えています。', de: 'Der Inhalt ist größer als {max} Bytes.', fr: 'Le corps dépasse {max} octets.' },
  method: { en: 'This method is not allowed here.', ja: 'ここではこのメソッドは使えません。', de: 'Diese Methode ist hier nicht erlaubt.', fr: 'Cette méthode n’est pas autorisée ici.' },
  server: { en: 'Something went wrong on the server.', ja: 'サーバーで問題が発生しました。', de: 'Auf dem Server ist ein Fehler aufgetreten.', fr: 'Une erreur est survenue sur le serveur.' },
} satisfies Record<string, Text>;

/** Field problems, by rule. */
export const FIELD = {
  required: { en: 'This field is required.', ja: 'この項目は必須です。', de: 'Dieses Feld ist erforderlich.', fr: 'Ce champ est obligatoire.' },
  too_long: { en: 'At most {max} characters.', ja: '{max} 文字以内で入力してください。', de: 'Höchstens {max} Zeichen.', fr: '{max} caractères au maximum.' },
  bad_date: {
    en: 'Must be an ISO 8601 date-time with an offset, e.g. 2022-01-01T00:00:00+00:00.',
    ja: 'オフセット付きの ISO 8601 日時で指定してください (例: 2022-01-01T00:00:00+00:00)。',
    de: 'Muss ein ISO-8601-Zeitpunkt mit Zeitzonenversatz sein, z. B. 2022-01-01T00:00:00+00:00.',
    fr: 'Doit être une date-heure ISO 8601 avec décalage, par ex. 2022-01-01T00:00:00+00:00.',
  },
  end_before_start: {
    en: 'The end must not be before the start.',
    ja: '終了日時は開始日時より前にできません。',
    de: 'Das Ende darf nicht vor dem Beginn liegen.',
    fr: 'La fin ne doit pas précéder le début.',
  },
  bad_duration: {
    en: 'Must be a duration such as PT2H or P1D, or a date-time.',
    ja: 'PT2H や P1D のような期間、または日時で指定してください。',
    de: 'Muss eine Dauer wie PT2H oder P1D oder ein Zeitpunkt sein.',
    fr: 'Doit être une durée comme PT2H ou P1D, ou une date-heure.',
  },
  duration_too_long: {
    en: 'A duration may be at most {max} days.',
    ja: '期間は {max} 日以内にしてください。',
    de: 'Eine Dauer darf höchstens {max} Tage betragen.',
    fr: 'Une durée ne peut dépasser {max} jours.',
  },
  bad_email: { en: 'Must be an e-mail address.', ja: 'メールアドレスで指定してください。', de: 'Muss eine E-Mail-Adresse sein.', fr: 'Doit être une adresse e-mail.' },
  too_many: { en: 'At most {max} entries.', ja: '{max} 件以内にしてください。', de: 'Höchstens {max} Einträge.', fr: '{max} entrées au maximum.' },
  bad_calendar: { en: 'No such calendar for events.', ja: 'イベント用のカレンダーが見つかりません。', de: 'Kein solcher Kalender für Ereignisse.', fr: 'Aucun calendrier d’événements de ce type.' },
  wrong_type: { en: 'Has the wrong type (expected {expected}).', ja: '型が正しくありません ({expected} が必要です)。', de: 'Hat den falschen Typ ({expected} erwartet).', fr: 'Type incorrect ({expected} attendu).' },
  unknown_filter: { en: 'Unknown filter.', ja: '不明なフィルターです。', de: 'Unbekannter Filter.', fr: 'Filtre inconnu.' },
  unknown_sort: {
    en: 'Sort by startTime, endTime, name, createTime or updateTime.',
    ja: 'startTime、endTime、name、createTime、updateTime のいずれかで並べ替えてください。',
    de: 'Sortieren nach startTime, endTime, name, createTime oder updateTime.',
    fr: 'Triez par startTime, endTime, name, createTime ou updateTime.',
  },
  bad_order: { en: 'Must be asc or desc.', ja: 'asc または desc を指定してください。', de: 'Muss asc oder desc sein.', fr: 'Doit être asc ou desc.' },
  bad_limit: { en: 'Must be a whole number from 1 to {max}.', ja: '1 から {max} までの整数で指定してください。', de: 'Muss eine ganze Zahl von 1 bis {max} sein.', fr: 'Doit être un entier de 1 à {max}.' },
  bad_send_updates: {
    en: 'Must be all, externalOnly or none.',
    ja: 'all、externalOnly、none のいずれかを指定してください。',
    de: 'Muss all, externalOnly oder none sein.',
    fr: 'Doit être all, externalOnly ou none.',
  },
  bad_offset: { en: 'Must be a whole number, 0 or more.', ja: '0 以上の整数で指定してください。', de: 'Muss eine ganze Zahl ab 0 sein.', fr: 'Doit être un entier supérieur ou égal à 0.' },
} satisfies Record<string, Text>;

export type TitleKey = keyof typeof TITLES;
export type DetailKey = keyof typeof DETAILS;
export type FieldKey = keyof typeof FIELD;

export function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => String(params[k] ?? `{${k}}`));
}

/** The language to answer in, from Accept-Language (English unless another is preferred). */
export function pickLanguage(header: string | undefined): Lang {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...rest] = part.trim().split(';');
      const q = rest.map((x) => /^\s*q=([\d.]+)/.exec(x)?.[1]).find(Boolean);
      return { lang: (tag ?? '').trim().toLowerCase().split('-')[0] ?? '', q: q ? Number(q) : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return (ranked.find((x) => (LANGS as readonly string[]).includes(x.lang))?.lang as Lang | undefined) ?? 'en';
}
