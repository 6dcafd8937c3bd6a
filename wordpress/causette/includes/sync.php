<?php
/**
 * The knowledge-base sync: a request to the Causette server, signed with
 * the site secret, asking it to read this site's posts through the REST API.
 *
 * @package Causette
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

/**
 * Asks the server to import this site's posts.
 *
 * @return array{ok: bool, message: string}
 */
function causette_sync() {
	$server = causette_option( 'causette_server' );
	$key    = causette_option( 'causette_site_key' );
	$secret = causette_option( 'causette_secret' );
	if ( '' === $server || '' === $key || '' === $secret ) {
		return array(
			'ok'      => false,
			'message' => __( 'Set the server URL, the site key and the site secret first.', 'causette' ),
		);
	}
	$url       = home_url();
	$time      = (string) time();
	$signature = hash_hmac( 'sha256', $key . "\n" . $time . "\n" . $url, $secret );
	$response  = wp_remote_post(
		$server . '/v1/sites/' . rawurlencode( $key ) . '/kb/wordpress',
		array(
			'timeout' => 120,
			'headers' => array(
				'Authorization'   => 'Causette-Site ' . $signature,
				'X-Causette-Time' => $time,
				'Content-Type'    => 'application/json',
			),
			'body'    => wp_json_encode( array( 'url' => $url ) ),
		)
	);
	if ( is_wp_error( $response ) ) {
		return array(
			/* translators: %s: the error */
			'message' => sprintf( __( 'The Causette server could not be reached: %s', 'causette' ), $response->get_error_message() ),
			'ok'      => false,
		);
	}
	$body = json_decode( wp_remote_retrieve_body( $response ), true );
	if ( 200 !== wp_remote_retrieve_response_code( $response ) || ! is_array( $body ) ) {
		$detail = is_array( $body ) && isset( $body['detail'] ) ? $body['detail'] : wp_remote_retrieve_response_message( $response );
		return array(
			/* translators: %s: the server's explanation */
			'message' => sprintf( __( 'The sync failed: %s', 'causette' ), $detail ),
			'ok'      => false,
		);
	}
	return array(
		'ok'      => true,
		'message' => sprintf(
			/* translators: 1: added, 2: updated, 3: unchanged, 4: removed */
			__( 'Knowledge base synced: %1$d added, %2$d updated, %3$d unchanged, %4$d removed.', 'causette' ),
			(int) $body['added'],
			(int) $body['updated'],
			(int) $body['unchanged'],
			(int) $body['removed']
		),
	);
}
