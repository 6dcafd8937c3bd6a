<?php
/**
 * Plugin Name:       Causette
 * Plugin URI:        https://github.com/causette/causette
 * Description:       An AI chat widget for your visitors, answering from your own posts and pages.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            Causette
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       causette
 * Domain Path:       /languages
 *
 * @package Causette
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'CAUSETTE_VERSION', '0.1.0' );
define( 'CAUSETTE_FILE', __FILE__ );
define( 'CAUSETTE_DIR', plugin_dir_path( __FILE__ ) );

require_once CAUSETTE_DIR . 'includes/settings.php';
require_once CAUSETTE_DIR . 'includes/front.php';
require_once CAUSETTE_DIR . 'includes/sync.php';
if ( is_admin() ) {
	require_once CAUSETTE_DIR . 'includes/admin.php';
}

add_action( 'init', 'causette_init' );

/**
 * Translations, the shortcode and the block.
 */
function causette_init() {
	load_plugin_textdomain( 'causette', false, dirname( plugin_basename( __FILE__ ) ) . '/languages' );
	add_shortcode( 'causette', 'causette_shortcode' );
	register_block_type(
		CAUSETTE_DIR . 'block',
		array( 'render_callback' => 'causette_render_block' )
	);
}
