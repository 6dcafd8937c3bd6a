<?php
/**
 * The plugin's options: names, defaults and one sanitizer per field.
 *
 * @package Causette
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Every option the plugin stores, with its default. uninstall.php removes
 * exactly these.
 *
 * @return array<string, mixed>
 */
function causette_option_defaults() {
	return array(
		'causette_server'           => '',
		'causette_site_key'         => '',
		'causette_position'         => 'right',
		'causette_color'            => '',
		'causette_greeting'         => '',
		'causette_locale'           => causette_default_locale(),
		'causette_visibility'       => 'all',
		'causette_patterns'         => '',
		'causette_hide_logged_in'   => '0',
		'causette_identify'         => '0',
		'causette_secret'           => '',
	);
}

/**
 * An option's value, or its default.
 *
 * @param string $name Option name.
 * @return mixed
 */
function causette_option( $name ) {
	$defaults = causette_option_defaults();
	return get_option( $name, isset( $defaults[ $name ] ) ? $defaults[ $name ] : '' );
}

/**
 * The widget locale matching the site's language: French sites get `fr`,
 * English ones `en`, the rest let the widget follow the visitor.
 *
 * @return string
 */
function causette_default_locale() {
	$locale = function_exists( 'get_locale' ) ? get_locale() : 'en_US';
	if ( 0 === strpos( $locale, 'fr' ) ) {
		return 'fr';
	}
	if ( 0 === strpos( $locale, 'en' ) ) {
		return 'en';
	}
	return 'auto';
}

/**
 * Records a refused value and keeps the stored one.
 *
 * @param string $option  Option name.
 * @param string $message What was wrong, shown in WordPress' error notice.
 * @return mixed The value stored before.
 */
function causette_refuse( $option, $message ) {
	add_settings_error( $option, $option . '_invalid', $message, 'error' );
	return get_option( $option, causette_option_defaults()[ $option ] );
}

/**
 * The server URL: an http(s) URL without a trailing slash, or refused.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_server( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	$parts = wp_parse_url( $value );
	$valid = false !== filter_var( $value, FILTER_VALIDATE_URL )
		&& is_array( $parts )
		&& isset( $parts['scheme'], $parts['host'] )
		&& in_array( strtolower( $parts['scheme'] ), array( 'http', 'https' ), true );
	if ( ! $valid ) {
		return causette_refuse(
			'causette_server',
			__( 'The Causette server must be a URL such as https://chat.example.com; the previous value was kept.', 'causette' )
		);
	}
	return untrailingslashit( esc_url_raw( $value, array( 'http', 'https' ) ) );
}

/**
 * The site key: letters, digits, `-` and `_`.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_site_key( $value ) {
	$value = trim( (string) $value );
	if ( '' !== $value && ! preg_match( '/^[A-Za-z0-9_-]{1,64}$/', $value ) ) {
		return causette_refuse(
			'causette_site_key',
			__( 'The site key may hold only letters, digits, "-" and "_"; the previous value was kept.', 'causette' )
		);
	}
	return $value;
}

/**
 * `right` or `left`.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_position( $value ) {
	return 'left' === $value ? 'left' : 'right';
}

/**
 * A `#rrggbb` colour, or refused.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_color( $value ) {
	$value = trim( (string) $value );
	if ( '' === $value ) {
		return '';
	}
	if ( ! preg_match( '/^#[0-9a-fA-F]{6}$/', $value ) ) {
		return causette_refuse(
			'causette_color',
			__( 'The colour must be written #rrggbb, for example #3366ff; the previous value was kept.', 'causette' )
		);
	}
	return strtolower( $value );
}

/**
 * The greeting as plain text: tags (and script contents) stripped.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_greeting( $value ) {
	return sanitize_textarea_field( wp_strip_all_tags( (string) $value ) );
}

/**
 * `auto`, `en` or `fr`.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_locale( $value ) {
	return in_array( $value, array( 'auto', 'en', 'fr' ), true ) ? $value : 'auto';
}

/**
 * `all`, `only` (pages matching a pattern) or `except`.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_visibility( $value ) {
	return in_array( $value, array( 'all', 'only', 'except' ), true ) ? $value : 'all';
}

/**
 * URL path patterns, one per line (`*` matches anything).
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_patterns( $value ) {
	$lines = preg_split( '/\r\n|\r|\n/', (string) $value );
	$clean = array();
	foreach ( $lines as $line ) {
		$line = trim( wp_strip_all_tags( $line ) );
		if ( '' !== $line ) {
			$clean[] = preg_replace( '/[^A-Za-z0-9\/*._~%?=&+-]/', '', $line );
		}
	}
	return implode( "\n", array_filter( $clean ) );
}

/**
 * A checkbox: `1` or `0`.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_flag( $value ) {
	return empty( $value ) ? '0' : '1';
}

/**
 * The site secret: 64 hex characters. Left blank, the stored one is kept,
 * because the form never shows it.
 *
 * @param mixed $value Submitted value.
 * @return string
 */
function causette_sanitize_secret( $value ) {
	$value = strtolower( trim( (string) $value ) );
	if ( '' === $value ) {
		return get_option( 'causette_secret', '' );
	}
	if ( ! preg_match( '/^[0-9a-f]{64}$/', $value ) ) {
		return causette_refuse(
			'causette_secret',
			__( 'The site secret is the 64 hexadecimal characters printed by `causette site secret KEY`; the previous value was kept.', 'causette' )
		);
	}
	return $value;
}

/**
 * Option name => sanitize callback.
 *
 * @return array<string, string>
 */
function causette_sanitizers() {
	return array(
		'causette_server'         => 'causette_sanitize_server',
		'causette_site_key'       => 'causette_sanitize_site_key',
		'causette_position'       => 'causette_sanitize_position',
		'causette_color'          => 'causette_sanitize_color',
		'causette_greeting'       => 'causette_sanitize_greeting',
		'causette_locale'         => 'causette_sanitize_locale',
		'causette_visibility'     => 'causette_sanitize_visibility',
		'causette_patterns'       => 'causette_sanitize_patterns',
		'causette_hide_logged_in' => 'causette_sanitize_flag',
		'causette_identify'       => 'causette_sanitize_flag',
		'causette_secret'         => 'causette_sanitize_secret',
	);
}
