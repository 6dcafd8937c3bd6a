<?php
/**
 * Settings → Causette: the settings form (Settings API), "Check
 * connection" and "Sync knowledge base".
 *
 * @package Causette
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

add_action( 'admin_menu', 'causette_admin_menu' );
add_action( 'admin_init', 'causette_register_settings' );
add_action( 'admin_enqueue_scripts', 'causette_admin_assets' );
add_action( 'admin_post_causette_sync', 'causette_handle_sync' );
add_filter( 'plugin_action_links_' . plugin_basename( CAUSETTE_FILE ), 'causette_action_links' );

/**
 * The settings page under Settings.
 */
function causette_admin_menu() {
	add_options_page(
		__( 'Causette', 'causette' ),
		__( 'Causette', 'causette' ),
		'manage_options',
		'causette',
		'causette_settings_page'
	);
}

/**
 * A "Settings" link on the Plugins screen.
 *
 * @param string[] $links Links.
 * @return string[]
 */
function causette_action_links( $links ) {
	$url = admin_url( 'options-general.php?page=causette' );
	array_unshift( $links, '<a href="' . esc_url( $url ) . '">' . esc_html__( 'Settings', 'causette' ) . '</a>' );
	return $links;
}

/**
 * Registers every option with its own sanitizer, and the form's fields.
 */
function causette_register_settings() {
	foreach ( causette_sanitizers() as $option => $sanitizer ) {
		register_setting(
			'causette',
			$option,
			array(
				'type'              => 'string',
				'sanitize_callback' => $sanitizer,
				'default'           => causette_option_defaults()[ $option ],
				'show_in_rest'      => false,
			)
		);
	}

	add_settings_section( 'causette_connection', __( 'Connection', 'causette' ), '__return_false', 'causette' );
	add_settings_section( 'causette_look', __( 'Appearance', 'causette' ), '__return_false', 'causette' );
	add_settings_section( 'causette_where', __( 'Where the chat shows', 'causette' ), '__return_false', 'causette' );
	add_settings_section( 'causette_identity', __( 'Logged-in users', 'causette' ), '__return_false', 'causette' );

	$fields = array(
		array( 'causette_server', __( 'Causette server URL', 'causette' ), 'causette_connection', 'url' ),
		array( 'causette_site_key', __( 'Site key', 'causette' ), 'causette_connection', 'text' ),
		array( 'causette_position', __( 'Position', 'causette' ), 'causette_look', 'position' ),
		array( 'causette_color', __( 'Primary colour', 'causette' ), 'causette_look', 'color' ),
		array( 'causette_greeting', __( 'Greeting', 'causette' ), 'causette_look', 'textarea' ),
		array( 'causette_locale', __( 'Language', 'causette' ), 'causette_look', 'locale' ),
		array( 'causette_visibility', __( 'Show the chat', 'causette' ), 'causette_where', 'visibility' ),
		array( 'causette_patterns', __( 'URL patterns', 'causette' ), 'causette_where', 'patterns' ),
		array( 'causette_hide_logged_in', __( 'Hide for logged-in users', 'causette' ), 'causette_where', 'checkbox' ),
		array( 'causette_identify', __( 'Identify logged-in users', 'causette' ), 'causette_identity', 'checkbox' ),
		array( 'causette_secret', __( 'Site secret', 'causette' ), 'causette_identity', 'secret' ),
	);
	foreach ( $fields as $field ) {
		add_settings_field(
			$field[0],
			$field[1],
			'causette_field',
			'causette',
			$field[2],
			array(
				'option'    => $field[0],
				'kind'      => $field[3],
				'label_for' => $field[0],
			)
		);
	}
}

/**
 * One field of the form.
 *
 * @param array $args `option` and `kind`.
 */
function causette_field( $args ) {
	$name  = $args['option'];
	$value = (string) causette_option( $name );
	switch ( $args['kind'] ) {
		case 'url':
			printf(
				'<input type="url" class="regular-text code" id="%1$s" name="%1$s" value="%2$s" placeholder="https://chat.example.com">',
				esc_attr( $name ),
				esc_attr( $value )
			);
			echo '<p class="description">' . esc_html__( 'Where your Causette server answers, e.g. https://chat.example.com.', 'causette' ) . '</p>';
			break;
		case 'text':
			printf( '<input type="text" class="regular-text code" id="%1$s" name="%1$s" value="%2$s">', esc_attr( $name ), esc_attr( $value ) );
			echo '<p class="description">' . esc_html__( 'The key given by `causette site add`.', 'causette' ) . '</p>';
			break;
		case 'textarea':
			printf( '<textarea class="large-text" rows="2" id="%1$s" name="%1$s">%2$s</textarea>', esc_attr( $name ), esc_textarea( $value ) );
			break;
		case 'color':
			printf( '<input type="text" class="causette-color" id="%1$s" name="%1$s" value="%2$s" data-default-color="#2563eb">', esc_attr( $name ), esc_attr( $value ) );
			break;
		case 'position':
			causette_select(
				$name,
				$value,
				array(
					'right' => __( 'Bottom right', 'causette' ),
					'left'  => __( 'Bottom left', 'causette' ),
				)
			);
			break;
		case 'locale':
			causette_select(
				$name,
				$value,
				array(
					'auto' => __( "The visitor's language", 'causette' ),
					'en'   => __( 'English', 'causette' ),
					'fr'   => __( 'French', 'causette' ),
				)
			);
			break;
		case 'visibility':
			causette_select(
				$name,
				$value,
				array(
					'all'    => __( 'On every page', 'causette' ),
					'only'   => __( 'Only on pages matching a pattern', 'causette' ),
					'except' => __( 'On every page except those matching a pattern', 'causette' ),
				)
			);
			break;
		case 'patterns':
			printf( '<textarea class="large-text code" rows="3" id="%1$s" name="%1$s">%2$s</textarea>', esc_attr( $name ), esc_textarea( $value ) );
			echo '<p class="description">' . esc_html__( 'One path per line; * matches anything, e.g. /shop/*', 'causette' ) . '</p>';
			break;
		case 'checkbox':
			printf( '<input type="checkbox" id="%1$s" name="%1$s" value="1" %2$s>', esc_attr( $name ), checked( '1', $value, false ) );
			break;
		case 'secret':
			// The secret is never printed back: a blank field keeps it.
			printf(
				'<input type="password" class="regular-text code" id="%1$s" name="%1$s" value="" autocomplete="off" placeholder="%2$s">',
				esc_attr( $name ),
				esc_attr( '' === $value ? __( 'not set', 'causette' ) : __( 'stored; leave blank to keep it', 'causette' ) )
			);
			echo '<p class="description">' . esc_html__( 'Printed by `causette site secret KEY`. Signs the identity of logged-in users and the knowledge-base sync.', 'causette' ) . '</p>';
			break;
	}
}

/**
 * A select field.
 *
 * @param string                $name    Option name.
 * @param string                $value   Current value.
 * @param array<string, string> $choices Value => label.
 */
function causette_select( $name, $value, $choices ) {
	printf( '<select id="%1$s" name="%1$s">', esc_attr( $name ) );
	foreach ( $choices as $choice => $label ) {
		printf( '<option value="%1$s" %2$s>%3$s</option>', esc_attr( $choice ), selected( $choice, $value, false ), esc_html( $label ) );
	}
	echo '</select>';
}

/**
 * The colour picker and the page's script, on this page only.
 *
 * @param string $hook The admin page.
 */
function causette_admin_assets( $hook ) {
	if ( 'settings_page_causette' !== $hook ) {
		return;
	}
	wp_enqueue_style( 'wp-color-picker' );
	wp_enqueue_script(
		'causette-admin',
		plugins_url( 'assets/admin.js', CAUSETTE_FILE ),
		array( 'wp-color-picker', 'wp-i18n' ),
		CAUSETTE_VERSION,
		true
	);
	wp_set_script_translations( 'causette-admin', 'causette', CAUSETTE_DIR . 'languages' );
}

/**
 * The public origin of the site (scheme, host, port).
 *
 * @return string
 */
function causette_public_origin() {
	$parts  = wp_parse_url( home_url() );
	$origin = $parts['scheme'] . '://' . $parts['host'];
	if ( isset( $parts['port'] ) ) {
		$origin .= ':' . $parts['port'];
	}
	return $origin;
}

/**
 * Settings → Causette.
 */
function causette_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'You are not allowed to manage these settings.', 'causette' ) );
	}
	$sync = get_transient( 'causette_sync_result_' . get_current_user_id() );
	if ( $sync ) {
		delete_transient( 'causette_sync_result_' . get_current_user_id() );
		printf(
			'<div class="notice notice-%1$s is-dismissible causette-sync-result"><p>%2$s</p></div>',
			esc_attr( $sync['ok'] ? 'success' : 'error' ),
			esc_html( $sync['message'] )
		);
	}
	?>
	<div class="wrap">
		<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
		<form action="options.php" method="post" id="causette-settings">
			<?php
			settings_fields( 'causette' );
			do_settings_sections( 'causette' );
			submit_button();
			?>
		</form>

		<h2><?php esc_html_e( 'Check connection', 'causette' ); ?></h2>
		<p><?php esc_html_e( 'Asks the Causette server, from this browser, whether it knows the site key, whether this origin may show the chat, and how far apart the clocks are.', 'causette' ); ?></p>
		<p>
			<button type="button" class="button" id="causette-check"
				data-server="<?php echo esc_url( causette_option( 'causette_server' ) ); ?>"
				data-site="<?php echo esc_attr( causette_option( 'causette_site_key' ) ); ?>"
				data-public-origin="<?php echo esc_attr( causette_public_origin() ); ?>">
				<?php esc_html_e( 'Check connection', 'causette' ); ?>
			</button>
		</p>
		<div id="causette-check-result" aria-live="polite"></div>

		<h2><?php esc_html_e( 'Knowledge base', 'causette' ); ?></h2>
		<p><?php esc_html_e( 'Asks the Causette server to read your published posts and pages, so the chat answers from them. Run it again after editing or deleting posts.', 'causette' ); ?></p>
		<form action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" method="post">
			<input type="hidden" name="action" value="causette_sync">
			<?php wp_nonce_field( 'causette_sync' ); ?>
			<?php submit_button( __( 'Sync knowledge base', 'causette' ), 'secondary', 'causette-sync', false ); ?>
		</form>
	</div>
	<?php
}

/**
 * "Sync knowledge base": a signed request to the Causette server, which
 * reads this site's posts through the REST API.
 */
function causette_handle_sync() {
	if ( ! current_user_can( 'manage_options' ) ) {
		wp_die( esc_html__( 'You are not allowed to manage these settings.', 'causette' ), 403 );
	}
	check_admin_referer( 'causette_sync' );
	$result = causette_sync();
	set_transient( 'causette_sync_result_' . get_current_user_id(), $result, 300 );
	wp_safe_redirect( admin_url( 'options-general.php?page=causette' ) );
	exit;
}
