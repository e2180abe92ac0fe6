import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { requireTool } from './backing-services';

/**
 * For benchmarks only: a web task served by Apache's event MPM with PHP-FPM (Debian's php-fpm of the local
 * PHP) instead of the image's prefork MPM with mod_php. The FPM master runs in the task, beside Apache.
 */
export interface PhpFpmOptions {
  /** PHP-FPM children (pm = static): the PHP requests the task runs at once. */
  readonly maxChildren: number;
}

export interface PhpFpmTask {
  readonly binary: string;
  readonly conf: string;
  /** The FPM master's pid file: the master starts a session (and process group) of its own. */
  readonly pidFile: string;
  /** Apache directives that hand PHP files to the pool. */
  readonly apacheDirectives: string;
}

function phpVersion(): string {
  return execFileSync('php', ['-r', 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;'], { encoding: 'utf8' });
}

/** The pool's configuration in the task's Apache run directory (a task-local volume): socket, pid, log to stderr. */
export function phpFpmTask(runDir: string, options: PhpFpmOptions): PhpFpmTask {
  const version = phpVersion();
  const binary = requireTool(`php-fpm${version}`, `php${version}-fpm`);
  const socket = path.join(runDir, 'php-fpm.sock');
  const conf = path.join(runDir, 'php-fpm.conf');
  const pidFile = path.join(runDir, 'php-fpm.pid');
  fs.writeFileSync(conf, [
    '[global]',
    `pid = ${pidFile}`,
    'error_log = /proc/self/fd/2',
    'daemonize = no',
    '[moodle]',
    `listen = ${socket}`,
    'pm = static',
    `pm.max_children = ${options.maxChildren}`,
    // Moodle's config.php reads the task's environment (the image's config generator puts nothing secret in files).
    'clear_env = no',
    'catch_workers_output = yes',
    '',
  ].join('\n'));
  return {
    binary,
    conf,
    pidFile,
    apacheDirectives: [
      '<FilesMatch "\\.php$">',
      `    SetHandler "proxy:unix:${socket}|fcgi://localhost"`,
      '</FilesMatch>',
    ].join('\n'),
  };
}
