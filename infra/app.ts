#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { jobs, queues, routes } from '../functions/routes';
import { buildTrustAccessApp } from './constructs/trust-access-app';

// `npx cdk synth` (cdk.json runs this with tsx). Settings come from the
// context in cdk.json; override per deployment with `-c stage=prod -c sesSender=...`.
const app = new App();
buildTrustAccessApp(app, { routes, jobs, queues });
app.synth();
