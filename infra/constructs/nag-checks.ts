import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag 3 is a CDK policy-validation plugin: it runs after synthesis and any
 * unacknowledged finding (error or warning) fails `cdk synth` with a report in
 * cdk.out/validation-report.json. Acknowledgements are recorded next to the
 * resource they concern with `Validations.of(scope).acknowledge({ id, reason })`.
 *
 * `writeSuppressionsToCloudFormation` copies each acknowledgement into the
 * resource's template Metadata (`cdk_nag.rules_to_suppress`), so reviewers and
 * auditors see the reasons in the deployed template too.
 */
export function addNagChecks(app: App): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

export interface Acknowledgement {
  /** Construct path the acknowledgement was recorded on. */
  path: string;
  id: string;
  reason: string;
}

/** Every acknowledgement recorded under `scope`, for review and for the tests. */
export function listAcknowledgements(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [qualifiedId, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        found.push({
          path: construct.node.path,
          id: qualifiedId.replace(/^annotation::/i, ''),
          reason: typeof reason === 'string' ? reason : '',
        });
      }
    }
  }
  return found;
}
