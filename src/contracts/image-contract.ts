import * as path from 'path';

/**
 * What the shipped Moodle image (src/image) promises the constructs that run it.
 * Keep in step with src/image/Dockerfile and src/image/conf/apache-moodle.conf.
 */
export const imageContract = {
  /** Apache listens here (non-privileged). */
  containerPort: 8080,
  /** Answers 200 when Apache and PHP work, without touching the database or Redis. */
  healthCheckPath: '/healthz.php',
  /** POSIX user and group of the web server (www-data): owner of moodledata on EFS. */
  posixUid: 33,
  posixGid: 33,
  /** Where moodledata is mounted. */
  dataRoot: '/mnt/moodledata',
  /**
   * Every path a task writes besides moodledata, by volume name: the image declares each as a VOLUME, and
   * the task definitions mount a task-local volume there, so the root file system can be read-only.
   */
  writablePaths: {
    'moodle-runtime': '/run/moodle',
    'moodle-local-cache': '/var/cache/moodle-local',
    'tmp': '/tmp',
    'apache-run': '/var/run/apache2',
    'apache-lock': '/var/lock/apache2',
  } as Record<string, string>,
  /**
   * A file the cron role touches at every loop and every minute while cron.php runs, however long a run takes
   * (MOODLE_CRON_HEARTBEAT_INTERVAL).
   */
  cronHeartbeatFile: '/run/moodle/cron-heartbeat',
  /** Seconds between two touches of the heartbeat while cron.php runs. */
  cronHeartbeatIntervalSeconds: 60,
  /** Seconds one active cron.php run keeps polling for tasks (`--keep-alive`, MOODLE_CRON_KEEPALIVE). */
  cronKeepAliveSeconds: 600,
  /** Written by every role at start, before it runs Moodle. */
  configFile: '/run/moodle/config.php',
} as const;

/**
 * The image source shipped in the package (Dockerfile, start-up scripts). Compiled files live in lib/<part>/
 * and sources in src/<part>/: both two levels below the package root, where src/image is.
 */
export const IMAGE_SOURCE_DIR = path.join(__dirname, '..', '..', 'src', 'image');
