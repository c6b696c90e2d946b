// The CRI image service, as the kubelet uses it: the images land where the kubelet looks (containerd's
// k8s.io namespace, under the name asked for). Messages from kubernetes/cri-api
// pkg/apis/runtime/v1/api.proto: ImageSpec{image=1}, AuthConfig{username=1, password=2},
// PullImageRequest{image=1, auth=2}, PullImageResponse{image_ref=1}, ImageStatusRequest{image=1},
// ImageStatusResponse{image=1}; k3s pre-pulls the same way (pkg/agent/containerd/containerd.go prePullImages).
import { field, message, readFields } from './protobuf.js';
import { GrpcChannel } from './grpc.js';

const SERVICE = '/runtime.v1.ImageService';

export interface PullAuth {
  username: string;
  password: string;
}

export class CriImages {
  private readonly channel: GrpcChannel;

  constructor(socketPath: string) {
    this.channel = new GrpcChannel(socketPath);
  }

  /** Whether the runtime already holds `image` (ImageStatus answers with an image). */
  async has(image: string): Promise<boolean> {
    const answer = await this.channel.call(`${SERVICE}/ImageStatus`, message(field(1, message(field(1, image)))));
    return readFields(answer).has(1);
  }

  /** Pulls `image`; resolves with the image reference (id) the runtime gives it. */
  async pull(image: string, auth?: PullAuth): Promise<string> {
    const authConfig = auth ? message(field(1, auth.username), field(2, auth.password)) : undefined;
    const answer = await this.channel.call(`${SERVICE}/PullImage`, message(field(1, message(field(1, image))), field(2, authConfig)));
    return readFields(answer).get(1)?.[0]?.toString('utf8') ?? '';
  }

  close(): void {
    this.channel.close();
  }
}
