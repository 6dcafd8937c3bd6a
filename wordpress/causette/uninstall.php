<?php
/**
 * Removes every option the plugin stored when it is deleted.
 *
 * @package Causette
 */

if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}

require_once __DIR__ . '/includes/settings.php';

foreach ( array_keys( causette_option_defaults() ) as $causette_option ) {
	delete_option( $causette_option );
}
