import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListUserPoolsCommand } from '@aws-sdk/client-cognito-identity-provider';
import { jobs, queues, routes } from '../../functions/routes';
import { demoPeople, demoTrust } from './demo-trust';
import { seedDemoTrust } from './seed';
import { startCognito, startDynamo, startSes, waitFor, type Emulator } from './emulators';
import { createGateway, jwtVerifier } from './gateway';
import { localRoutes, runJob } from './local-routes';
import { startLocalQueues } from './queues';
import { startSchedules } from './schedules';
import { localTokenEndpoint } from './token-endpoint';
import { ensureTable, ensureUserPool, localCognito, localDynamo, type PoolIds } from './provision';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalStackOptions {
  stateDir: string;
  port: number;
  dynamoPort: number;
  cognitoPort: number;
  sesPort: number;
  region: string;
  tableName: string;
  /** The trust's web app, where the "Sign in" link of notification emails goes (APP_URL); @default the gateway's URL (there is no web app locally). */
  appUrl?: string;
  /** The base of emailed links to the API's own pages and of the token endpoint (PUBLIC_API_URL); @default the gateway's URL. */
  publicApiUrl?: string;
  demoAdminPassword?: string;
  /** Fire the scheduled jobs on their schedules, in this zone (`npm start`); tests run them with POST /_local/run/{job}. */
  schedules?: { timeZone: string };
}

/** What a script or a test needs to reach the running stack; written to `<stateDir>/stack.json`. */
export interface StackInfo extends PoolIds {
  url: string;
  region: string;
  tableName: string;
  dynamodbEndpoint: string;
  cognitoEndpoint: string;
  sesEndpoint: string;
}

export interface LocalStack {
  info: StackInfo;
  demo: { email: string; password: string; created: boolean; people: string[] };
  stop(): Promise<void>;
}

/** The generated demo password is kept beside the data it belongs to, so a restart can print it again. */
function demoPassword(stateDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const file = join(stateDir, 'demo-admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const generated = `Demo-${randomBytes(9).toString('base64url')}7a`;
  writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}

/** The key of the unsubscribe links, kept beside the data so links in old emails still work after a restart. */
function linkSigningKey(stateDir: string): string {
  const file = join(stateDir, 'link-signing-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const generated = randomBytes(32).toString('base64url');
  writeFileSync(file, generated, { mode: 0o600 });
  return generated;
}

/** Sets the environment the handler modules read through functions/config.ts. */
function configureFunctions(info: StackInfo, urls: { appUrl: string; publicApiUrl: string }, stateDir: string) {
  Object.assign(process.env, {
    // The exports bucket's stand-in: a folder the gateway serves under /_local/exports/ with signed links (one key per start).
    EXPORT_LOCAL_DIR: join(stateDir, 'exports'),
    EXPORT_LOCAL_SECRET: process.env.EXPORT_LOCAL_SECRET ?? randomBytes(32).toString('base64url'),
    EXPORT_LOCAL_URL: info.url,
    TABLE_NAME: info.tableName,
    USER_POOL_ID: info.userPoolId,
    USER_POOL_CLIENT_ID: info.clientId,
    USER_POOL_CLIENT_SECRET: info.clientSecret,
    AWS_REGION: info.region,
    DYNAMODB_ENDPOINT: info.dynamodbEndpoint,
    COGNITO_ENDPOINT: info.cognitoEndpoint,
    SES_ENDPOINT: info.sesEndpoint,
    SES_SENDER: process.env.SES_SENDER ?? 'no-reply@demo.trust',
    APP_URL: urls.appUrl,
    PUBLIC_API_URL: urls.publicApiUrl,
    LINK_SIGNING_KEY: linkSigningKey(stateDir),
    // The local stack's client-credentials token endpoint (infra/local/token-endpoint.ts), where the pool's domain would be in AWS.
    OAUTH_TOKEN_URL: `${info.url}/_local/oauth2/token`,
    // Uploaded MIS rosters (functions/adapters/files/roster-store.ts), where the roster bucket is in AWS.
    MIS_ROSTER_DIR: join(stateDir, 'mis-rosters'),
    // Queue workers run in this process (infra/local/queues.ts).
    ...Object.fromEntries(queues.map((q) => [q.env, `local:${q.name}`])),
  });
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const started: Emulator[] = [];
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await Promise.all(started.reverse().map((e) => e.stop().catch(() => undefined)));
  };
  try {
    const dynamo = startDynamo(stateDir, options.dynamoPort);
    started.push(dynamo);
    const cognito = startCognito(stateDir, options.cognitoPort);
    started.push(cognito);
    const ses = await startSes(options.sesPort);
    started.push(ses);
    for (const child of [dynamo.child, cognito.child]) {
      child.once('exit', (code) => {
        if (!stopping && code !== null && code !== 0) console.error(`an emulator exited with code ${code}; see ${stateDir}/*.log`);
      });
    }

    const dynamoClient = localDynamo(dynamo.url, options.region);
    const cognitoClient = localCognito(cognito.url, options.region);
    await Promise.all([
      waitFor('DynamoDB Local', () => dynamoClient.send(new ListTablesCommand({})), 30_000, `Java must be installed; log: ${stateDir}/dynamodb.log`),
      waitFor('cognito-local', () => cognitoClient.send(new ListUserPoolsCommand({ MaxResults: 1 })), 30_000, `log: ${stateDir}/cognito.log`),
    ]);
    const poolFile = join(stateDir, 'user-pool.json');
    const known = existsSync(poolFile) ? (JSON.parse(readFileSync(poolFile, 'utf8')) as PoolIds) : undefined;
    const [pool] = await Promise.all([ensureUserPool(cognitoClient, known), ensureTable(dynamoClient, options.tableName)]);
    writeFileSync(poolFile, JSON.stringify(pool, null, 2));

    const info: StackInfo = {
      ...pool,
      url: `http://localhost:${options.port}`,
      region: options.region,
      tableName: options.tableName,
      dynamodbEndpoint: dynamo.url,
      cognitoEndpoint: cognito.url,
      sesEndpoint: ses.url,
    };
    configureFunctions(info, { appUrl: options.appUrl ?? info.url, publicApiUrl: options.publicApiUrl ?? info.url }, stateDir);

    const password = demoPassword(stateDir, options.demoAdminPassword);
    const { anyTrustExists } = await import('../../functions/adapters/dynamo/trust-repository');
    let created = false;
    if (!(await anyTrustExists())) {
      await seedDemoTrust(password);
      created = true;
    }

    const localQueues = startLocalQueues(projectRoot, queues);
    started.push({ name: 'queues', url: 'local:', stop: () => localQueues.stop() });

    const issuer = `${cognito.url}/${pool.userPoolId}`;
    // The client-credentials token endpoint cognito-local lacks; POST /oauth2/token forwards to it.
    const tokens = await localTokenEndpoint({ baseUrl: info.url, userPoolId: pool.userPoolId, cognito: cognitoClient });
    const otherLocal = localRoutes({ sesUrl: ses.url, root: projectRoot, jobs, exportDir: join(stateDir, 'exports'), rosterDir: join(stateDir, 'mis-rosters'), sesRefusals: ses.refusals });
    const server: Server = createGateway({
      root: projectRoot,
      routes,
      verify: jwtVerifier({ issuer, jwksUri: `${issuer}/.well-known/jwks.json`, clientId: pool.clientId }, tokens.verify),
      local: async (method, path, body, headers, query) => (await tokens.handle(method, path, body, headers)) ?? otherLocal(method, path, body, query, headers),
    });
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(options.port, resolveListen);
    });
    started.push({
      name: 'gateway',
      url: info.url,
      stop: () => new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
    });
    server.keepAliveTimeout = 1000;
    if (options.schedules) {
      const schedules = startSchedules(jobs, options.schedules.timeZone, (job, time) => runJob(projectRoot, job, time));
      started.push({ name: 'schedules', url: '', stop: async () => schedules.stop() });
    }
    // Written whole, then renamed into place: whoever polls for the file (the test set-up, the scripts) never reads half of it.
    writeFileSync(join(stateDir, 'stack.json.tmp'), JSON.stringify(info, null, 2));
    renameSync(join(stateDir, 'stack.json.tmp'), join(stateDir, 'stack.json'));
    return { info, demo: { email: demoTrust.adminEmail, password, created, people: demoPeople.map((p) => `${p.email} (${p.role.replace('preset-', '')})`) }, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
