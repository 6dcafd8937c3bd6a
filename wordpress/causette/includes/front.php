<?php
/**
 * What visitors get: the loader enqueued in the footer with its `data-*`
 * options, and inline chat containers from the shortcode and the block.
 *
 * @package Causette
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

const CAUSETTE_HANDLE = 'causette-embed';

add_action( 'wp_enqueue_scripts', 'causette_enqueue' );
add_filter( 'script_loader_tag', 'causette_script_tag', 10, 2 );

/**
 * Whether the plugin is configured enough to load the widget.
 *
 * @return bool
 */
function causette_configured() {
	return '' !== causette_option( 'causette_server' ) && '' !== causette_option( 'causette_site_key' );
}

/**
 * Whether a path matches one of the patterns (`*` matches anything).
 *
 * @param string $path     Request path, with its query.
 * @param string $patterns Patterns, one per line.
 * @return bool
 */
function causette_path_matches( $path, $patterns ) {
	foreach ( preg_split( '/\n/', (string) $patterns ) as $pattern ) {
		$pattern = trim( $pattern );
		if ( '' === $pattern ) {
			continue;
		}
		$regex = '#^' . str_replace( '\*', '.*', preg_quote( $pattern, '#' ) ) . '$#';
		if ( preg_match( $regex, $path ) ) {
			return true;
		}
	}
	return false;
}

/**
 * Whether the floating widget belongs on this page, by the settings.
 *
 * @return bool
 */
function causette_shows_here() {
	if ( ! causette_configured() ) {
		return false;
	}
	if ( '1' === causette_option( 'causette_hide_logged_in' ) && is_user_logged_in() ) {
		return false;
	}
	$visibility = causette_option( 'causette_visibility' );
	if ( 'all' === $visibility ) {
		return true;
	}
	$path    = isset( $_SERVER['REQUEST_URI'] ) ? wp_unslash( $_SERVER['REQUEST_URI'] ) : '/'; // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- only matched, never printed.
	$matches = causette_path_matches( (string) $path, causette_option( 'causette_patterns' ) );
	return 'only' === $visibility ? $matches : ! $matches;
}

/**
 * Enqueues the loader when the widget shows here.
 */
function causette_enqueue() {
	if ( causette_shows_here() ) {
		causette_enqueue_loader();
	}
}

/**
 * Enqueues the loader, in the footer and async.
 */
function causette_enqueue_loader() {
	if ( wp_script_is( CAUSETTE_HANDLE, 'enqueued' ) ) {
		return;
	}
	wp_enqueue_script(
		CAUSETTE_HANDLE,
		causette_option( 'causette_server' ) . '/embed.js',
		array(),
		null, // The server versions embed.js itself (ETag); a query would split its cache.
		array(
			'in_footer' => true,
			'strategy'  => 'async',
		)
	);
}

/**
 * The container ids of inline chats rendered on this page, in order.
 *
 * @param string|null $add An id to add.
 * @return string[]
 */
function causette_inline_targets( $add = null ) {
	static $targets = array();
	if ( null !== $add ) {
		$targets[] = $add;
	}
	return $targets;
}

/**
 * An inline chat container; the loader is told to render in it.
 *
 * @return string HTML.
 */
function causette_inline_container() {
	if ( ! causette_configured() ) {
		return '';
	}
	$id = 'causette-inline-' . ( count( causette_inline_targets() ) + 1 );
	causette_inline_targets( $id );
	causette_enqueue_loader();
	return '<div id="' . esc_attr( $id ) . '" class="causette-inline"></div>';
}

/**
 * `[causette]`.
 *
 * @return string HTML.
 */
function causette_shortcode() {
	return causette_inline_container();
}

/**
 * The `causette/chat` block, rendered on the server.
 *
 * @return string HTML.
 */
function causette_render_block() {
	return causette_inline_container();
}

/**
 * The `data-*` options of the loader's tag, as the widget reads them.
 *
 * @return array<string, string>
 */
function causette_script_attributes() {
	$attrs = array( 'data-site' => causette_option( 'causette_site_key' ) );
	$color = causette_option( 'causette_color' );
	if ( '' !== $color ) {
		$attrs['data-color'] = $color;
	}
	$attrs['data-position'] = causette_option( 'causette_position' );
	$greeting               = causette_option( 'causette_greeting' );
	if ( '' !== $greeting ) {
		$attrs['data-greeting'] = $greeting;
	}
	$attrs['data-locale'] = causette_option( 'causette_locale' );
	$targets              = causette_inline_targets();
	if ( $targets ) {
		$attrs['data-target'] = '#' . $targets[0];
	}
	return array_merge( $attrs, causette_identity_attributes() );
}

/**
 * The logged-in user's identity for the widget, signed with the site
 * secret so the server can refuse forged ones; empty when off.
 *
 * @return array<string, string>
 */
function causette_identity_attributes() {
	$secret = causette_option( 'causette_secret' );
	if ( '1' !== causette_option( 'causette_identify' ) || '' === $secret || ! is_user_logged_in() ) {
		return array();
	}
	$user = wp_get_current_user();
	$id   = (string) $user->ID;
	return array(
		'data-user-id'    => $id,
		'data-user-name'  => $user->display_name,
		'data-user-email' => $user->user_email,
		'data-user-hash'  => hash_hmac( 'sha256', $id, $secret ),
	);
}

/**
 * Adds the options to the loader's tag that WordPress prints.
 *
 * @param string $tag    The tag.
 * @param string $handle Its handle.
 * @return string
 */
function causette_script_tag( $tag, $handle ) {
	if ( CAUSETTE_HANDLE !== $handle ) {
		return $tag;
	}
	$extra = '';
	// WordPress before 6.3 ignores the `strategy` argument.
	if ( ! preg_match( '/<script[^>]*\sasync[\s>=]/', $tag ) ) {
		$extra .= ' async';
	}
	foreach ( causette_script_attributes() as $name => $value ) {
		$extra .= ' ' . $name . '="' . esc_attr( $value ) . '"';
	}
	return preg_replace( '/<script\b/', '<script' . $extra, $tag, 1 );
}
