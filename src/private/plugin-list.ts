/** The plugin list's format: `plugins/plugins.json` in the image source, read by build/add-plugins.php. */

/** One plugin of the plugin list (`plugins/plugins.json` in the image source). */
export interface PluginListEntry {
  readonly component: string;
  readonly source: 'zip' | 'git' | 'folder';
  readonly url?: string;
  readonly sha256?: string;
  readonly version?: string;
  readonly commit?: string;
  readonly folder?: string;
}

/** The Moodle Marketplace's download link of a plugin version (devdocs: Moodle Marketplace API). */
export const MARKETPLACE_DOWNLOAD = 'https://marketplace.moodle.com/api/plugins/{component}/versions/{version}/download';

