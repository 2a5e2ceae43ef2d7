/**
 * Every key of the single table is built here. Everything of one trust sits
 * under keys that start with `TRUST#<trustId>`, so a query built from the
 * caller's trust can never reach another tenant. The README's access-pattern
 * table lists the same patterns.
 */
export interface Key {
  pk: string;
  sk: string;
}

const trust = (trustId: string) => `TRUST#${trustId}`;
const user = (trustId: string, userId: string) => `${trust(trustId)}#USER#${userId}`;

export const NODE_PREFIX = 'NODE#';
export const ROLE_PREFIX = 'ROLE#';
export const MEMBER_PREFIX = 'MEMBER#';
export const MANAGER_PREFIX = 'MEMBER#M#';
export const ASSIGNMENT_PREFIX = 'ASSIGN#';
export const BLOCK_PREFIX = 'BLOCK#';
export const CHILD_PREFIX = 'CHILD#';

export const keys = {
  /** Trust settings and the tree version. */
  trustMeta: (trustId: string): Key => ({ pk: trust(trustId), sk: 'META' }),
  /** One node of a trust's tree; the whole tree is `pk = TRUST#t, begins_with(sk, NODE#)`. */
  node: (trustId: string, nodeId: string): Key => ({ pk: trust(trustId), sk: `${NODE_PREFIX}${nodeId}` }),
  treePartition: (trustId: string) => trust(trustId),
  /** A custom role; presets live in code. Shares the tree's partition, so one Query loads both. */
  role: (trustId: string, roleId: string): Key => ({ pk: trust(trustId), sk: `${ROLE_PREFIX}${roleId}` }),
  /** Registry of trusts (bootstrap, seeding). */
  trustRegistry: (trustId: string): Key => ({ pk: 'TRUSTS', sk: trust(trustId) }),
  trustRegistryPartition: 'TRUSTS',
  /** A person's profile; memberships and assignments share the partition. */
  userProfile: (trustId: string, userId: string): Key => ({ pk: user(trustId, userId), sk: 'PROFILE' }),
  /** Everything a decision needs about one person: `pk = TRUST#t#USER#u`. */
  personPartition: (trustId: string, userId: string) => user(trustId, userId),
  membership: (trustId: string, userId: string, nodeId: string): Key => ({ pk: user(trustId, userId), sk: `${MEMBER_PREFIX}${nodeId}` }),
  assignment: (trustId: string, userId: string, assignmentId: string): Key => ({ pk: user(trustId, userId), sk: `${ASSIGNMENT_PREFIX}${assignmentId}` }),
  block: (trustId: string, userId: string, subjectId: string): Key => ({ pk: user(trustId, userId), sk: `${BLOCK_PREFIX}${subjectId}` }),
  childLink: (trustId: string, userId: string, subjectId: string): Key => ({ pk: user(trustId, userId), sk: `${CHILD_PREFIX}${subjectId}` }),
  /** gsi1: members and role holders of a node. */
  nodeIndex: (trustId: string, nodeId: string) => `${trust(trustId)}#NODE#${nodeId}`,
  /**
   * A member's sort key under the node. Managers sort as `MEMBER#M#<placed at>#<user>`
   * (user ids are UUIDs and never start with `M`), so the managers line reads
   * only managers, in appointment order, while "members of a node" still reads everyone.
   */
  memberIndexSort: (userId: string, managerSince?: string) =>
    managerSince === undefined ? `${MEMBER_PREFIX}${userId}` : `${MANAGER_PREFIX}${managerSince}#${userId}`,
  assignmentIndexSort: (userId: string, assignmentId: string) => `${ASSIGNMENT_PREFIX}${userId}#${assignmentId}`,
  /** gsi2: holders of a role. */
  roleIndex: (trustId: string, roleId: string) => `${trust(trustId)}#ROLE#${roleId}`,
  /** Email uniqueness across the whole deployment (one user pool). */
  email: (email: string): Key => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'EMAIL' }),
  /** Cognito subject → account. */
  identity: (sub: string): Key => ({ pk: `SUB#${sub}`, sk: 'SUB' }),
  /** An emailed link's token (invitation, password reset), by hash. */
  linkToken: (tokenHash: string): Key => ({ pk: `TOKEN#${tokenHash}`, sk: 'TOKEN' }),
  /** A refresh token's hash → account, so refresh can compute SECRET_HASH and honour sign-out. */
  refreshToken: (tokenHash: string): Key => ({ pk: `REFRESH#${tokenHash}`, sk: 'REFRESH' }),
  /** One of the few items the decoy sign-in reads and writes, so unknown emails cost what known ones do. */
  decoy: (shard: string): Key => ({ pk: `DECOY#${shard}`, sk: 'DECOY' }),
  /** Failed sign-ins of an email that may not sign in (by the email's hash), so it locks as an account does; expires. */
  signInFailures: (emailHash: string): Key => ({ pk: `SIGNIN#${emailHash}`, sk: 'SIGNIN' }),
  /** A pending TOTP sign-in step (Cognito's session, by hash) → account; single use, expires with the session. */
  mfaSession: (sessionHash: string): Key => ({ pk: `MFA#${sessionHash}`, sk: 'MFA' }),
  /** Audit records of a trust, sorted by time. */
  auditPartition: (trustId: string) => `${trust(trustId)}#AUDIT`,
  audit: (trustId: string, at: string, id: string): Key => ({ pk: `${trust(trustId)}#AUDIT`, sk: `${at}#${id}` }),
  /** gsi1: audit records by who acted, newest first (same `<ISO time>#<id>` sort key). */
  auditByActor: (trustId: string, actorId: string) => `${trust(trustId)}#AUDIT#ACTOR#${actorId}`,
  /** gsi2: audit records by whom (or what) they are about. */
  auditByTarget: (trustId: string, targetId: string) => `${trust(trustId)}#AUDIT#TARGET#${targetId}`,

  // Notifications
  /** A person's notification choices, in their partition (the person's one Query reads them too). */
  notificationPreferences: (trustId: string, userId: string): Key => ({ pk: user(trustId, userId), sk: 'NOTIFY#PREFS' }),
  /** A notification event, keyed by its sender's idempotency key (hashed), so a repeat finds the first. */
  notificationEvent: (trustId: string, keyHash: string): Key => ({ pk: `${trust(trustId)}#NOTIFY#EVENT#${keyHash}`, sk: 'EVENT' }),
  /** A person's notifications, newest last: `sk = <received at>#<event id>`. */
  inboxPartition: (trustId: string, userId: string) => `${trust(trustId)}#INBOX#${userId}`,
  inboxEntry: (trustId: string, userId: string, receivedAt: string, eventId: string): Key => ({ pk: `${trust(trustId)}#INBOX#${userId}`, sk: `${receivedAt}#${eventId}` }),
  /** gsi1: digest entries not yet sent, by person (sparse: the index keys go when the digest is sent). */
  pendingDigests: (trustId: string) => `${trust(trustId)}#DIGEST#PENDING`,
  /** A service event written in the same transaction as the change it reports (the outbox); the notify job raises it. */
  outboxPartition: (trustId: string) => `${trust(trustId)}#OUTBOX`,
  outboxEntry: (trustId: string, at: string, id: string): Key => ({ pk: `${trust(trustId)}#OUTBOX`, sk: `${at}#${id}` }),
  /** gsi2: entries to email at once, not yet emailed (sparse, like pendingDigests). */
  pendingImmediate: (trustId: string) => `${trust(trustId)}#NOTIFY#PENDING`,

  // MIS roster sync
  /** A school's sync settings; every school's sit in one partition per trust, so the nightly job reads them in one Query. */
  misSettings: (trustId: string, nodeId: string): Key => ({ pk: `${trust(trustId)}#MIS`, sk: `SETTINGS#${nodeId}` }),
  misSettingsPartition: (trustId: string) => `${trust(trustId)}#MIS`,
  /** The nightly sync of a trust for one of its local dates: written once, so an hourly job runs each trust once a night. */
  misNightly: (trustId: string, localDate: string): Key => ({ pk: `${trust(trustId)}#MIS#NIGHTLY`, sk: localDate }),
  /** One school's sync state: `LINK#<misId>` (the school's MIS person → account), `ROSTER` (the latest upload), `RUN#<runId>` (its runs). */
  misSchoolPartition: (trustId: string, nodeId: string) => `${trust(trustId)}#MIS#NODE#${nodeId}`,
  misLink: (trustId: string, nodeId: string, misId: string): Key => ({ pk: `${trust(trustId)}#MIS#NODE#${nodeId}`, sk: `LINK#${misId}` }),
  misRoster: (trustId: string, nodeId: string): Key => ({ pk: `${trust(trustId)}#MIS#NODE#${nodeId}`, sk: 'ROSTER' }),
  misRun: (trustId: string, nodeId: string, runId: string): Key => ({ pk: `${trust(trustId)}#MIS#NODE#${nodeId}`, sk: `RUN#${runId}` }),
  /** A run id → its school (GET /mis/runs/{runId}). */
  misRunRef: (trustId: string, runId: string): Key => ({ pk: `${trust(trustId)}#MISRUN#${runId}`, sk: 'RUN' }),
  /** One roster upload (API or roster bucket) by its id, so a bucket event is recorded once and the API's own upload is known (TTL as the bucket's lifecycle). */
  misRosterUpload: (trustId: string, nodeId: string, rosterId: string): Key => ({ pk: `${trust(trustId)}#MIS#NODE#${nodeId}`, sk: `UPLOAD#${rosterId}` }),
  // Integration clients (issue 11).
  /** An integration client by its Cognito client id (`client_id` of its tokens): checked, and its rate window counted, on every request it makes. */
  integrationClient: (clientId: string): Key => ({ pk: `CLIENT#${clientId}`, sk: 'CLIENT' }),
  /** A trust's integration clients, one item each (`pk = TRUST#t#INTEGRATION`, sk = the integration id): GET /integrations. */
  integrationPartition: (trustId: string) => `${trust(trustId)}#INTEGRATION`,
  integration: (trustId: string, integrationId: string): Key => ({ pk: `${trust(trustId)}#INTEGRATION`, sk: integrationId }),
  // ---- CSV import (issue 9) ----
  /** A previewed import plan: `META` (importer, expiry, applied as) and its rows in `CHUNK#nnnn` items under 400 KB; TTL 1 hour. */
  importPlan: (trustId: string, planId: string, chunk?: number): Key => ({
    pk: `${trust(trustId)}#IMPORTPLAN#${planId}`, sk: chunk === undefined ? 'META' : `CHUNK#${String(chunk).padStart(4, '0')}`,
  }),
  importPlanPartition: (trustId: string, planId: string) => `${trust(trustId)}#IMPORTPLAN#${planId}`,
  /** An applied import's progress: `META` (status, counters) and each chunk's row results in `ROWS#nnnn`. */
  importJob: (trustId: string, importId: string, chunk?: number): Key => ({
    pk: `${trust(trustId)}#IMPORT#${importId}`, sk: chunk === undefined ? 'META' : `ROWS#${String(chunk).padStart(4, '0')}`,
  }),
  importJobPartition: (trustId: string, importId: string) => `${trust(trustId)}#IMPORT#${importId}`,
  /** The stored answer of a request sent with an Idempotency-Key, per caller and key (its SHA-256); expires by TTL after 24 hours. */
  idempotency: (trustId: string, callerId: string, keyHash: string): Key => ({ pk: `${trust(trustId)}#IDEMPOTENCY#${callerId}#${keyHash}`, sk: 'IDEMPOTENCY' }),
  // Issue 9: the directory (GET /users, the export).
  /** gsi3: every profile of a trust, by when it last changed (`gsi3sk = <ISO time>`): the directory cache's cold load and refresh. */
  directoryIndex: (trustId: string) => `${trust(trustId)}#DIR`,
  // ---- Report schedules (issue 13) ----
  /** A trust's report schedules, one item each (`pk = TRUST#t#REPORT_SCHEDULE`, sk = the schedule id): GET /report-schedules. */
  reportSchedulePartition: (trustId: string) => `${trust(trustId)}#REPORT_SCHEDULE`,
  reportSchedule: (trustId: string, scheduleId: string): Key => ({ pk: `${trust(trustId)}#REPORT_SCHEDULE`, sk: scheduleId }),
  /** Every schedule of every trust on gsi1 (`gsi1pk = REPORT_SCHEDULES`, gsi1sk `<trust>#<id>`): the hourly reports job. */
  reportSchedulesIndex: 'REPORT_SCHEDULES',
  /** One schedule's send for one period (`<schedule>#<period>`): the conditional put that makes a second run of the job send nothing. */
  reportScheduleClaim: (trustId: string, scheduleId: string, period: string): Key => ({ pk: `${trust(trustId)}#REPORT_SCHEDULE#${scheduleId}`, sk: `SENT#${period}` }),
  // ---- Reports job, per recipient (review C, finding 3) ----
  /** One recipient's send of one schedule for one period: claimed before sending, so no run sends it twice. */
  reportRecipientClaim: (trustId: string, scheduleId: string, period: string, recipientId: string): Key => ({
    pk: `${trust(trustId)}#REPORT_SCHEDULE#${scheduleId}`, sk: `SENT#${period}#${recipientId}`,
  }),
  // ---- MIS runs not finished (review D, D9) ----
  /**
   * gsi1: a trust's MIS runs still queued, approved or running, by when they last moved (created, claimed, approved):
   * `gsi1sk = <ISO time>#<runId>`. Sparse: set on the run's item by every write that leaves it unfinished, gone with
   * the write that finishes or holds it, so the hourly mis-sync job reads only the runs that stopped moving.
   */
  misOpenRuns: (trustId: string) => `${trust(trustId)}#MIS#OPEN`,
  misOpenRunSort: (movedAt: string, runId: string) => `${movedAt}#${runId}`,
};
