import { MARKETPLACE_DOWNLOAD, PluginListEntry } from '../private/plugin-list';
import { isLiteral } from '../private/validation';

/** A plugin from the Moodle Marketplace (marketplace.moodle.com). */
export interface MoodleMarketplacePluginOptions {
  /** Moodle's component name of the plugin (frankenstyle: `mod_attendance`, `block_xp`, `local_x`, …). */
  readonly component: string;
  /**
   * The plugin version to install: its version number, as in the Marketplace's download link
   * (`…/api/plugins/<component>/versions/<version>/download`) and in the plugin's `version.php` (`$plugin->version`).
   */
  readonly version: string;
  /**
   * The sha256 (64 hex digits) of that version's zip, as you checked it (`sha256sum` of the file you downloaded):
   * the Marketplace publishes only an MD5. The build fails if the download has another.
   */
  readonly sha256: string;
}

/** A plugin from a zip file at a URL. */
export interface MoodleZipPluginOptions {
  /** Moodle's component name of the plugin (frankenstyle: `mod_attendance`, `block_xp`, `local_x`, …). */
  readonly component: string;
  /** An `https://` URL of the zip (one folder with the plugin, or the plugin's files at the top). */
  readonly url: string;
  /** The sha256 (64 hex digits) of the zip. The build fails if the download has another. */
  readonly sha256: string;
}

/** A plugin from a git repository at a commit. */
export interface MoodleGitPluginOptions {
  /** Moodle's component name of the plugin (frankenstyle: `mod_attendance`, `block_xp`, `local_x`, …). */
  readonly component: string;
  /** The repository's URL for `git fetch` (`https://…`, or `ssh://…` where the build can authenticate). */
  readonly repository: string;
  /** The commit (40 hex digits) to build; its submodules come at the commits it records. */
  readonly commit: string;
}

/** A plugin from a folder of the CDK app (a theme or local plugin of your own). */
export interface MoodleFolderPluginOptions {
  /** Moodle's component name of the plugin (frankenstyle: `theme_uni`, `local_uni`, …). */
  readonly component: string;
  /** The folder with the plugin's `version.php` at its top; its content goes into the image. */
  readonly path: string;
}

/**
 * A Moodle plugin baked into the image: pinned by checksum or commit, placed where the Moodle tree being built puts
 * its type, installed or upgraded by the install/upgrade step.
 */
export abstract class MoodlePlugin {
  /** A plugin version from the Moodle Marketplace, with the sha256 you pin. */
  public static fromMarketplace(options: MoodleMarketplacePluginOptions): MoodlePlugin {
    return new ListedPlugin(options.component, 'Marketplace', {
      source: 'zip',
      url: isLiteral(options.component) && isLiteral(options.version)
        ? MARKETPLACE_DOWNLOAD.replace('{component}', options.component).replace('{version}', options.version) : '',
      sha256: options.sha256,
      version: options.version,
    });
  }

  /** A zip file at an `https://` URL, with its sha256 (a GitHub release asset, your own artifact store). */
  public static fromZip(options: MoodleZipPluginOptions): MoodlePlugin {
    return new ListedPlugin(options.component, 'zip', { source: 'zip', url: options.url, sha256: options.sha256 });
  }

  /** A git repository at a commit, submodules included (GitHub's generated archives leave them out). */
  public static fromGit(options: MoodleGitPluginOptions): MoodlePlugin {
    return new ListedPlugin(options.component, 'git', { source: 'git', url: options.repository, commit: options.commit });
  }

  /** A folder of your CDK app: copied into the image source at synth. */
  public static fromFolder(options: MoodleFolderPluginOptions): MoodlePlugin {
    return new ListedPlugin(options.component, 'folder', { source: 'folder', folder: options.component, localPath: options.path });
  }

  /** Moodle's component name of the plugin. */
  public abstract readonly component: string;
  /** Where the plugin comes from: `Marketplace`, `zip`, `git` or `folder`. */
  public abstract readonly kind: string;

  /** @internal */
  public abstract _entry(): PluginListEntry;
  /** @internal */
  public abstract _localPath(): string | undefined;
}

interface EntryFields extends Omit<PluginListEntry, 'component'> {
  readonly localPath?: string;
}

class ListedPlugin extends MoodlePlugin {
  constructor(public readonly component: string, public readonly kind: string, private readonly fields: EntryFields) {
    super();
  }

  public _entry(): PluginListEntry {
    const { localPath, ...rest } = this.fields;
    return { component: this.component, ...rest };
  }

  public _localPath(): string | undefined {
    return this.fields.localPath;
  }
}

