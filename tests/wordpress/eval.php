<?php
// `php eval.php ROOT CODE`: runs CODE with WordPress loaded, as the
// command line of a test harness (WP-CLI is not packaged by Debian).
$_SERVER['HTTP_HOST']   = parse_url( getenv( 'WP_TEST_URL' ), PHP_URL_HOST ) . ':' . parse_url( getenv( 'WP_TEST_URL' ), PHP_URL_PORT );
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = 'localhost';
if ( getenv( 'WP_TEST_INSTALLING' ) ) {
	define( 'WP_INSTALLING', true );
}
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
require_once ABSPATH . 'wp-admin/includes/user.php';
$result = eval( $argv[2] );
if ( null !== $result ) {
	echo is_string( $result ) ? $result : json_encode( $result );
}
