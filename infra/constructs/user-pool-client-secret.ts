import { SecretValue, Stack } from 'aws-cdk-lib';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  Logging,
  PhysicalResourceId,
  type AwsSdkCall,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface UserPoolClientSecretProps {
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
}

/**
 * Reads the app client's secret with DescribeUserPoolClient at deploy, inside
 * the stack that uses the value: the stateful stack, which copies it into a
 * Secrets Manager secret (review H, H-13); the functions get that secret's ARN.
 *
 * `UserPoolClient.userPoolClientSecret` would do the same read with a provider
 * on AWSLambdaBasicExecutionRole and a log group never cleaned up; and a
 * SecretValue referenced from another stack would become a CloudFormation
 * export, readable by anyone with cloudformation:ListExports. Only the
 * secret's ARN crosses the stack boundary.
 */
export class UserPoolClientSecret extends Construct {
  readonly secret: SecretValue;

  constructor(scope: Construct, id: string, props: UserPoolClientSecretProps) {
    super(scope, id);
    const { userPool, userPoolClient } = props;

    // The provider Lambda is a stack-wide singleton; give it a role and log
    // group of our own rather than AWSLambdaBasicExecutionRole and a log group
    // that is never cleaned up.
    const logGroup = new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Reads the API app client secret at deploy time',
    });
    logGroup.grantWrite(role);

    const describe: AwsSdkCall = {
      service: 'CognitoIdentityServiceProvider',
      action: 'describeUserPoolClient',
      parameters: { UserPoolId: userPool.userPoolId, ClientId: userPoolClient.userPoolClientId },
      region: Stack.of(this).region,
      // A replaced client has a new id, so the secret is read again.
      physicalResourceId: PhysicalResourceId.of(userPoolClient.userPoolClientId),
      // Keep the secret out of the provider's CloudWatch logs.
      logging: Logging.withDataHidden(),
      outputPaths: ['UserPoolClient.ClientSecret'],
    };

    const resource = new AwsCustomResource(this, 'Describe', {
      resourceType: 'Custom::DescribeUserPoolClient',
      onCreate: describe,
      onUpdate: describe,
      policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [userPool.userPoolArn] }),
      role,
      logGroup,
      installLatestAwsSdk: false,
    });

    this.secret = SecretValue.resourceAttribute(resource.getResponseField('UserPoolClient.ClientSecret'));
  }
}
