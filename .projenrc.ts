import { awscdk, javascript } from 'projen';

/**
 * aws-cdk-lib 2.257.0 is the lowest version that our whole test toolchain accepts
 * (cdk-nag 3 has a peer dependency on >= 2.257.0) and it has every feature the
 * constructs use. Consumers get it as a caret peer dependency: any later 2.x works.
 */
const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'moodle-on-fargate',
  description:
    'Production Moodle on AWS Fargate: CDK constructs for the network, database, EFS, Valkey cache, ECS service, CloudFront edge and CI/CD pipeline.',
  author: 'moodle-on-fargate developers',
  authorAddress: 'maintainers@moodle-on-fargate.dev',
  repositoryUrl: 'https://github.com/moodle-on-fargate/moodle-on-fargate.git',
  license: 'Apache-2.0',
  keywords: ['moodle', 'aws-cdk', 'cdk', 'ecs', 'fargate', 'lms', 'cloudfront'],
  stability: 'experimental',

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  typescriptVersion: '~5.9.0',
  projenVersion: '0.103.25',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',
  prettier: false,

  publishToPypi: {
    distName: 'moodle-on-fargate',
    module: 'moodle_on_fargate',
  },
  publishToMaven: {
    javaPackage: 'io.github.moodleonfargate',
    mavenGroupId: 'io.github.moodle-on-fargate',
    mavenArtifactId: 'moodle-on-fargate',
  },

  devDeps: [
    'cdk-nag@3.0.2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@2.197.10',
    'playwright-core@1.65.1',
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
  ],

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      snapshotSerializers: ['<rootDir>/test/util/asset-hash-serializer.ts'],
      testTimeout: 120_000,
    },
  },
  tsconfigDev: {
    include: ['examples/**/*.ts', 'integ/**/*.ts', 'scripts/**/*.ts', '.projenrc.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'examples', 'integ', 'scripts'],
    tsconfigPath: './tsconfig.dev.json',
  },
  gitignore: ['cdk.out', '/test/.templates/', '/test/.site-artifacts/', '/test/.site-artifacts-faults/', '/.venv/', '/test/bindings/java/target/', '__pycache__/'],
  npmIgnoreOptions: { ignorePatterns: ['/.venv/', '/requirements-dev.txt', '/checkov-acknowledgments.json', '/control-tower-acknowledgments.json', '/examples/', '/integ/', '/scripts/', '/.ci/', '/docs/', '/cdk.out/', '/.jmeter/'] },
  excludeTypescript: [],
});

// Lint tests, examples and scripts with the dev tsconfig (the project service would only see tsconfig.json's src).
const eslintrc = project.tryFindObjectFile('.eslintrc.json')!;
eslintrc.addDeletionOverride('parserOptions.projectService');
eslintrc.addOverride('parserOptions.project', './tsconfig.dev.json');

// Build the Python wheel and the Java jar on every build, CI included (projen packages JS only when CI=true).
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package-all')!);

// cfn-lint over every template the tests and the examples wrote.
const cfnLint = project.addTask('cfn-lint', {
  description: 'Run AWS cfn-lint over every synthesized template (tests and examples)',
  exec: 'bash scripts/cfn-lint.sh',
});

const exampleSynth = project.addTask('example:synth', {
  description: 'Synthesize the default example app (offline) to CloudFormation',
  exec: 'bash scripts/synth-examples.sh minimal',
});

const examplesSynth = project.addTask('examples:synth', {
  description: 'Synthesize every example app to CloudFormation',
  exec: 'bash scripts/synth-examples.sh',
});

const integArgs = '--directory integ --parallel-regions us-east-1';
const integVerify = project.addTask('integ:verify', {
  description: 'Synthesize every integ test and compare it with its committed snapshot (no AWS account needed)',
  exec: `integ-runner ${integArgs}`,
});
project.addTask('integ:update-snapshots', {
  description: 'Rewrite integ snapshots without deploying (after a deliberate change)',
  exec: `integ-runner ${integArgs} --update-on-failed --dry-run`,
});
project.addTask('integ:deploy', {
  description: 'Deploy every integ test to the AWS account of your credentials, run its assertions, destroy it, and update snapshots',
  exec: `integ-runner ${integArgs} --update-on-failed --force`,
});

const checkov = project.addTask('checkov', {
  description: 'Run checkov over the example templates; fail on a finding not in checkov-acknowledgments.json',
  exec: 'python3 scripts/checkov_check.py',
});

const controlTower = project.addTask('control-tower', {
  description: "Check every example and integ template against AWS Control Tower's proactive controls; fail on a finding not in control-tower-acknowledgments.json",
  exec: 'ts-node -T --project tsconfig.dev.json scripts/control-tower/check.ts',
});

project.addTask('docs:update', {
  description: "Write README.md's generated parts: architecture diagram (from the default example) and preset cost table",
  exec: 'ts-node -T --project tsconfig.dev.json scripts/docs/update-readme.ts',
});
const docsCheck = project.addTask('docs:check', {
  description: "Fail when README.md's generated parts are not current",
  exec: 'ts-node -T --project tsconfig.dev.json scripts/docs/update-readme.ts --check',
});
project.addTask('benchmark:site', {
  description: 'Print the median latency of the login page and a course page over the local site (test/site)',
  steps: [
    { exec: 'bash scripts/synth-examples.sh minimal' },
    { exec: 'ts-node -T --project tsconfig.dev.json scripts/benchmark-site.ts', receiveArgs: true },
  ],
});
project.addTask('benchmark:load', {
  description: "Measure the requests/s one web task of each preset's size (args: DEVELOPMENT, PRODUCTION; default both) serves at p95 < 1 s with Moodle's own load-test plan and Apache JMeter (assembled from Maven Central) on the local site, prefork + mod_php against event MPM + PHP-FPM; needs root",
  steps: [
    { exec: 'bash scripts/synth-examples.sh minimal production-domain' },
    { exec: 'ts-node -T --project tsconfig.dev.json scripts/benchmark-load.ts', receiveArgs: true },
  ],
});
project.addTask('benchmark:db-tls', {
  description: 'Print what verified TLS to the database and Redis costs per connection and on the login page (the image against no database TLS and the CA bundle before) on the local site; needs root',
  steps: [
    { exec: 'bash scripts/synth-examples.sh minimal' },
    { exec: 'ts-node -T --project tsconfig.dev.json scripts/benchmark-db-tls.ts', receiveArgs: true },
  ],
});
project.addTask('benchmark:install', {
  description: 'Print how long a first install takes at Fargate CPU shares (default 1 and 0.25 vCPU) on the local site; needs root',
  steps: [
    { exec: 'bash scripts/synth-examples.sh minimal' },
    { exec: 'ts-node -T --project tsconfig.dev.json scripts/benchmark-install.ts', receiveArgs: true },
  ],
});
project.addTask('benchmark', {
  description: 'Print synth time (median of 5) and resource count of every example, and the preset costs',
  exec: 'bash scripts/benchmark.sh',
});

// README code samples compile (jsii-rosetta), so they never rot.
const rosetta = project.addTask('docs:rosetta', {
  description: 'Compile the TypeScript samples of README.md with jsii-rosetta (after compile)',
  exec: 'jsii-rosetta extract --strict --compile --fail .jsii',
});
project.tasks.tryFind('post-compile')!.spawn(rosetta);

// The running site: a real Moodle started from the synthesized examples' task definitions (test/site).
const siteTest = project.addTask('test:site', {
  description: 'Run Moodle locally from the synthesized default and production examples (MariaDB, Redis, Apache, Chromium)',
  steps: [
    { exec: 'bash scripts/synth-examples.sh minimal production-domain' },
    { exec: "jest --ci --coverage=false --runInBand --testMatch '<rootDir>/test/site/**/*.site.ts'" },
  ],
});

const testTask = project.testTask;
testTask.spawn(examplesSynth);
testTask.spawn(siteTest);
testTask.spawn(integVerify);
testTask.spawn(cfnLint);
testTask.spawn(checkov);
testTask.spawn(controlTower);
testTask.spawn(docsCheck);

project.addTask('test:update-snapshots', {
  description: 'Update jest snapshots (explicitly; the test task never rewrites them)',
  exec: 'jest --updateSnapshot',
});

void exampleSynth;
// Ship the image source (Dockerfile, scripts) in the npm package; the TypeScript sources stay out.
project.npmignore!.removePatterns('/src/');
project.npmignore!.addPatterns('/src/**/*.ts');

// After projen's own `!/test/`, which would otherwise un-ignore these.
project.gitignore.addPatterns('/test/.templates/', '/test/.site-artifacts/', '/test/.site-artifacts-faults/', '/test/bindings/java/target/', '/.jsii.tabl.json', '/.jmeter/');

project.synth();
