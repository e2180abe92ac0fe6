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
  /** Seconds Apache needs to finish requests after SIGWINCH (graceful stop). */
  gracefulStopSeconds: 25,
} as const;

/**
 * The image source shipped in the package (Dockerfile, start-up scripts). Compiled files live in lib/<part>/
 * and sources in src/<part>/: both two levels below the package root, where src/image is.
 */
export const IMAGE_SOURCE_DIR = path.join(__dirname, '..', 'src', 'image');
